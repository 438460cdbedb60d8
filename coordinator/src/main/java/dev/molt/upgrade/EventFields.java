package dev.molt.upgrade;

import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradeWarning;
import dev.molt.scheduler.StopEstimate;
import java.util.List;
import java.util.Map;

/**
 * The typed fields of an upgrade's events, so that a client reads what the upgrade is doing
 * without parsing messages: its phase, the workloads done of all, how long the workloads have been
 * parked, and the time left to their unpark (from this host's own past stops, never guessed).
 */
final class EventFields {
    private EventFields() {}

    /** The phase a state is, as the API names it (UpgradeEvent.phase). */
    static String phase(UpgradeState state) {
        return switch (state) {
            case UpgradeState.Planned p -> "plan";
            case UpgradeState.Preflight p -> "preflight";
            case UpgradeState.Parking p -> "park";
            case UpgradeState.Dumping d -> "dump";
            case UpgradeState.Persisted p -> "spool";
            case UpgradeState.Switching s -> "switch";
            case UpgradeState.Restoring r -> "restore";
            case UpgradeState.Verifying v -> "verify";
            case UpgradeState.Done d -> "done";
            case UpgradeState.Aborted a -> "aborted";
            case UpgradeState.RolledBack r -> "rolled-back";
            case UpgradeState.Failed f -> "failed";
        };
    }

    /**
     * Sets the stop so far and the time left: while the workloads are parked (a park-start mark
     * and no unparked mark, in a state that is not final).
     *
     * @param marks the upgrade's marks (StopReports' names, wall-clock millis)
     * @param estimate this host's stop estimate; its default (no history) gives no ETA
     */
    static void stopSoFar(UpgradeEvent.Builder event, Map<String, Long> marks, boolean finalState, long now, StopEstimate estimate) {
        Long parkStart = marks.get(StopReports.PARK_START);
        if (parkStart == null || marks.containsKey(StopReports.UNPARKED) || finalState) {
            event.clearParkedMillis().clearEtaMillis().clearEtaKnown();
            return;
        }
        long parked = Math.max(0, now - parkStart);
        event.setParkedMillis(parked);
        if (estimate.fromHistory() > 0) {
            event.setEtaKnown(true).setEtaMillis(Math.max(0, estimate.stop().toMillis() - parked));
        } else {
            event.clearEtaMillis().clearEtaKnown();
        }
    }

    /** The warnings onto an event: typed, and as text for clients that read only `warnings`. */
    static void warnings(UpgradeEvent.Builder event, List<UpgradeWarning> warnings) {
        event.addAllTypedWarnings(warnings);
        warnings.forEach(w -> event.addWarnings(w.getMessage()));
    }
}
