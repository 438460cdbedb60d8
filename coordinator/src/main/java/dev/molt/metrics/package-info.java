/**
 * moltd's metrics in Prometheus' text format (docs/metrics.md). Molt restarts on every upgrade
 * (kexec, or the on-host restart switch), so what is historical (upgrades and livepatches by
 * result, stop durations, snapshot sizes) is read from the journal, which survives, not counted in
 * memory: {@link dev.molt.metrics.JournalHistory} finds the operations that ended since it last
 * looked, and the meters are seeded with every one of them at start. Nothing here writes to the
 * store or takes part in an upgrade.
 */
package dev.molt.metrics;
