package dev.molt.scheduler;

import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.upgrade.ParkGuard;
import java.util.List;
import java.util.Optional;

/** What the scheduler needs of the Upgrader (which implements it in the daemon; a fake in tests). */
public interface UpgradeStarter {
    /** Starts an upgrade, idempotent on the request id (see Upgrader#start). */
    Upgrade start(String requestId, UpgradeSpec spec, ParkGuard guard);

    Optional<Upgrade> byRequestId(String requestId);

    /** The upgrade not yet in a final state, if any. */
    Optional<Upgrade> active();

    /** Upgrades, newest first. */
    List<Upgrade> recent(int limit);
}
