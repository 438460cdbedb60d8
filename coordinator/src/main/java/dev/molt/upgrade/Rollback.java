package dev.molt.upgrade;

import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.kexec.KernelSwitch;
import dev.molt.kexec.SwitchException;
import dev.molt.kexec.SwitchPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The way back of a kexec upgrade: when the workloads cannot be restored in the new kernel, Molt
 * kexecs into the old one and restores them there from the same snapshot. The old kernel's image,
 * initrd and command line are journaled before parking ({@link #recordWayBack}); switching back
 * journals why ({@code rollback_reason}), and an upgrade restored with a reason there ends
 * ROLLED_BACK. There is one way back: a restore that fails in the old kernel too ends FAILED.
 */
final class Rollback {
    private static final Logger LOG = Logger.getLogger(Rollback.class.getName());
    static final String ROLLBACK_START = "rollback-start";

    private final Upgrader upgrader;

    Rollback(Upgrader upgrader) {
        this.upgrader = upgrader;
    }

    /**
     * Journals the running kernel as the way back (Debian's /boot/vmlinuz-RELEASE and
     * /boot/initrd.img-RELEASE, and /proc/cmdline). Without an image there is no way back, and a
     * failed restore ends FAILED as before.
     */
    static void recordWayBack(UpgradeRecord.Builder b) {
        String release = HostInfo.kernelRelease();
        Path kernel = Path.of("/boot/vmlinuz-" + release);
        Path initrd = Path.of("/boot/initrd.img-" + release);
        if (!Files.isReadable(kernel)) {
            LOG.warning("no " + kernel + ": a failed restore in the new kernel cannot switch back to " + release);
            return;
        }
        try {
            b.setRollbackKernel(kernel.toString())
                    .setRollbackInitrd(Files.isReadable(initrd) ? initrd.toString() : "")
                    .setRollbackCmdline(Files.readString(Path.of("/proc/cmdline")).strip());
        } catch (java.io.IOException e) {
            LOG.warning("cannot read /proc/cmdline (" + e.getMessage() + "): no way back to " + release);
            b.clearRollbackKernel();
        }
    }

    /** True when this restore may switch back: a way back is journaled, not yet taken, and we are not on it. */
    static boolean possible(UpgradeRecord record) {
        return !record.getRollbackKernel().isEmpty()
                && record.getRollbackReason().isEmpty()
                && !HostInfo.kernelRelease().equals(record.getEvent().getUpgrade().getFromKernel());
    }

    /**
     * Loads the old kernel, journals SWITCHING with the reason, guards the next boot and kexecs. Does
     * not return when the switch happens; returns the failure when it cannot switch back.
     */
    String switchBack(UpgradeRecord record, String reason) {
        String from = HostInfo.kernelRelease();
        String to = record.getEvent().getUpgrade().getFromKernel();
        try {
            KernelSwitch kexec = upgrader.switchFor(record);
            kexec.prepare(new SwitchPlan(Path.of(record.getRollbackKernel()),
                    record.getRollbackInitrd().isEmpty() ? null : Path.of(record.getRollbackInitrd()),
                    record.getRollbackCmdline()));
            long now = upgrader.clock().millis();
            UpgradeRecord back = upgrader.step(record, new UpgradeState.Switching(),
                    "restore on " + from + " failed: " + reason + "; switching back to " + to, b -> b
                            .setRollbackReason("restore on " + from + " failed: " + reason)
                            .setBootIdAtSwitch(HostInfo.bootId())
                            .putMarks(ROLLBACK_START, now));
            upgrader.guardNextBoot(back);
            ConsoleEvents.emit("switch-back", "upgrade=" + Upgrader.id(back) + " to=" + to);
            kexec.execute();
            return "the switch back to " + to + " returned";
        } catch (SwitchException | RuntimeException e) {
            LOG.warning("cannot switch back to " + to + ": " + Upgrader.message(e));
            return "switching back to " + to + " failed: " + Upgrader.message(e);
        }
    }
}
