package dev.molt.upgrade;

import java.util.Optional;

/**
 * The last word before an upgrade parks its workloads: a scheduled upgrade re-runs its blockers
 * and checks that its window still has room here, after preflight (which takes a while). An
 * objection aborts the upgrade cleanly, before anything is frozen.
 */
@FunctionalInterface
public interface ParkGuard {
    ParkGuard NONE = () -> Optional.empty();

    /** Empty to go on; else why the upgrade must not park now (it becomes the abort reason). */
    Optional<String> objection();
}
