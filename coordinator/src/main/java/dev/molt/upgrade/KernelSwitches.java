package dev.molt.upgrade;

import dev.molt.api.v1.UpgradeSpec;
import dev.molt.kexec.KernelSwitch;
import java.util.List;
import java.util.function.Supplier;

/** Chooses the kernel switch for an upgrade; the daemon knows how to build each. */
@FunctionalInterface
public interface KernelSwitches {
    /**
     * @param parkedPids the upgrade's parked processes as of when the switch executes (the switch
     *     is built before parking, so it must ask late)
     */
    KernelSwitch forUpgrade(UpgradeSpec spec, Supplier<List<Long>> parkedPids);
}
