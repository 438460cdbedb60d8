package dev.molt.upgrade;

import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.kexec.KernelSwitch;

/** Chooses the kernel switch for an upgrade; the daemon knows how to build each. */
@FunctionalInterface
public interface KernelSwitches {
    KernelSwitch forUpgrade(UpgradeRecord record);
}
