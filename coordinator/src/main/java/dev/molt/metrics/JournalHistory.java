package dev.molt.metrics;

import dev.molt.livepatch.LivepatchJournal;
import dev.molt.upgrade.UpgradeJournal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The journal's ended upgrades and livepatch operations, each handed out once: the first call
 * returns every one the journal holds (what the daemon's earlier lives did), later calls only those
 * that ended since. Journal streams are never removed, so the counts built from this only grow,
 * across restarts too. Not thread-safe: one caller (the scrape) at a time.
 */
final class JournalHistory {
    /** Operations that ended since the last call, oldest first. */
    record News(List<FinishedUpgrade> upgrades, List<FinishedLivepatch> livepatches) {}

    private final UpgradeJournal upgrades;
    private final LivepatchJournal livepatches;
    private final Set<String> seen = new HashSet<>();

    JournalHistory(UpgradeJournal upgrades, LivepatchJournal livepatches) {
        this.upgrades = upgrades;
        this.livepatches = livepatches;
    }

    News readNew() {
        List<FinishedUpgrade> newUpgrades = new ArrayList<>();
        // Both lists come newest first; the meters take them oldest first, the order they ended in:
        // the same order at every start, so that a histogram's floating-point _sum is rebuilt bit
        // for bit (a sum smaller by one ulp would look like a counter reset to Prometheus).
        for (var upgrade : upgrades.list(Integer.MAX_VALUE).reversed()) {
            if (!seen.contains(upgrade.getId())) {
                FinishedUpgrade.of(upgrade).ifPresent(f -> {
                    seen.add(f.id());
                    newUpgrades.add(f);
                });
            }
        }
        List<FinishedLivepatch> newPatches = new ArrayList<>();
        for (var operation : livepatches.list(Integer.MAX_VALUE).reversed()) {
            if (!seen.contains(operation.getId())) {
                FinishedLivepatch.of(operation).ifPresent(f -> {
                    seen.add(f.id());
                    newPatches.add(f);
                });
            }
        }
        return new News(List.copyOf(newUpgrades), List.copyOf(newPatches));
    }

    /** The state of the upgrade under way, as a label ("dumping"); empty when none is. */
    Optional<String> upgradeInProgress() {
        return upgrades.active().flatMap(upgrades::last)
                .flatMap(r -> ResultLabels.upgradeInProgress(r.getEvent().getUpgrade().getState()));
    }
}
