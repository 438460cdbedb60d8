package dev.molt.upgrade;

import dev.molt.journal.v1.ParkedWorkload;
import dev.molt.journal.v1.ProcessIdentity;
import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.kexec.KernelSwitch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What a (re)started coordinator does with an unfinished upgrade, per journaled state. This is the
 * table in docs/resumption.md; every row is tested with a real SIGKILL.
 *
 * <pre>
 * planned, preflight      nothing parked yet            -> aborted (kernel unloaded)
 * parking, dumping,       old trees frozen, intact      -> aborted: thaw, unlock, drop snapshots
 *   persisted
 * switching               same boot, every parked       -> aborted: the switch never began
 *                         process alive
 *                         otherwise (new boot, or some  -> restore from the snapshots
 *                         process ended)
 * restoring               some restored, some not       -> restore those not yet restored
 * verifying               restored                      -> verify, unpark, done
 * </pre>
 */
final class Resumption {
    private static final Logger LOG = Logger.getLogger(Resumption.class.getName());

    private final Upgrader upgrader;

    Resumption(Upgrader upgrader) {
        this.upgrader = upgrader;
    }

    void resume(UpgradeRecord record) {
        try {
            resumeOrThrow(record);
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "resuming upgrade " + Upgrader.id(record) + " failed", e);
        }
    }

    private void resumeOrThrow(UpgradeRecord record) {
        UpgradeState state = Upgrader.state(record);
        switch (state) {
            case UpgradeState.Planned p -> upgrader.abortBeforeSwitch(record,
                    "the coordinator restarted before preflight", switchOf(record));
            case UpgradeState.Preflight p -> upgrader.abortBeforeSwitch(record,
                    "the coordinator restarted during preflight", switchOf(record));
            case UpgradeState.Parking p -> upgrader.abortBeforeSwitch(record,
                    "the coordinator restarted while parking", switchOf(record));
            case UpgradeState.Dumping d -> upgrader.abortBeforeSwitch(record,
                    "the coordinator restarted while dumping", switchOf(record));
            case UpgradeState.Persisted p -> upgrader.abortBeforeSwitch(record,
                    "the coordinator restarted before the switch", switchOf(record));
            case UpgradeState.Switching s -> {
                if (sameBoot(record) && everyParkedProcessAlive(record)) {
                    upgrader.abortBeforeSwitch(record,
                            "the coordinator restarted before the switch began; the old trees were intact", switchOf(record));
                } else {
                    if (sameBoot(record)) {
                        // The switch ended some of the old processes and then the coordinator died:
                        // finish ending them, or their pids and sockets would block the restore.
                        endSurvivors(record);
                    }
                    restoreAll(enterRestoring(record));
                }
            }
            case UpgradeState.Restoring r -> restoreAll(record);
            case UpgradeState.Verifying v -> verifyAndUnpark(record);
            case UpgradeState.Done d -> {}
            case UpgradeState.Aborted a -> {}
            case UpgradeState.RolledBack r -> {}
            case UpgradeState.Failed f -> {}
        }
    }

    private UpgradeRecord enterRestoring(UpgradeRecord record) {
        long now = upgrader.clock().millis();
        // The JVM's own launch time (wall clock): ProcessHandle's start instant is derived from the
        // boot time and can be off by a second in containers. A resume in the same process as the
        // switch (a switch that returned) has no start of its own: then it is now.
        long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        long daemonStart = jvmStart >= record.getMarksOrDefault(StopReports.SWITCH_START, 0) ? jvmStart : now;
        String toKernel = HostInfo.kernelRelease();
        return upgrader.step(record, new UpgradeState.Restoring(), "restoring on " + toKernel, b -> {
            b.putMarks(StopReports.DAEMON_START, daemonStart).putMarks(StopReports.RESUME_START, now);
            b.getEventBuilder().getUpgradeBuilder().setToKernel(toKernel);
        });
    }

    private void restoreAll(UpgradeRecord record) {
        List<ParkedWorkload> workloads = new ArrayList<>(record.getWorkloadsList());
        for (int i = 0; i < workloads.size(); i++) {
            ParkedWorkload w = workloads.get(i);
            if (w.getRestoredRootPid() > 0 && ProcessHandle.of(w.getRestoredRootPid()).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            int index = i;
            try {
                // CRIU's restored tasks must run to finish the restore: never restore into a frozen cgroup.
                upgrader.workloads().thaw(Path.of(w.getCgroupDir()));
                // After a reboot each parked pid must be free again (a tree in the host's pid
                // namespace keeps its pids): the adapter names the process holding one before CRIU
                // fails with "Can't fork for PID". On the same boot the old tree's pids were just
                // freed. (A pid-namespaced tree's outer pids need not be free; the check may then
                // refuse a restore CRIU could have done: rare, and it says so.)
                var restored = upgrader.restore(record, w, !sameBoot(record));
                long exportMillis = record.getMarksOrDefault(StopReports.EXPORT_MILLIS, 0) + restored.getVerifyMillis();
                record = upgrader.edit(record, b -> b
                        .setWorkloads(index, b.getWorkloads(index).toBuilder().setRestoredRootPid(restored.getPid()))
                        .putMarks(StopReports.EXPORT_MILLIS, exportMillis));
            } catch (RuntimeException e) {
                String reason = "restore of " + w.getName() + " from snapshot " + w.getSnapshotId() + " failed: "
                        + Upgrader.message(e);
                if (Rollback.possible(record)) {
                    reason = reason + "; " + new Rollback(upgrader).switchBack(record, reason);
                }
                fail(record, reason + "; the snapshot is kept: after fixing the cause run `molt snapshot restore "
                        + w.getSnapshotId() + "`");
                return;
            }
        }
        long restored = upgrader.clock().millis();
        record = upgrader.step(record, new UpgradeState.Verifying(), "restored, verifying", b -> b.putMarks(StopReports.RESTORED, restored));
        verifyAndUnpark(record);
    }

    private void verifyAndUnpark(UpgradeRecord record) {
        for (ParkedWorkload w : record.getWorkloadsList()) {
            long pid = w.getRestoredRootPid();
            if (pid <= 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                restoreAll(upgrader.step(record, new UpgradeState.Restoring(),
                        w.getName() + " is not running after restore; restoring again", b -> {}));
                return;
            }
        }
        long verified = upgrader.clock().millis();
        record = upgrader.edit(record, b -> b.putMarks(StopReports.VERIFIED, verified));
        for (ParkedWorkload w : record.getWorkloadsList()) {
            upgrader.workloads().thaw(Path.of(w.getCgroupDir()));
        }
        upgrader.unlockNetwork(record);
        long unparked = upgrader.clock().millis();
        UpgradeRecord done = upgrader.edit(record, b -> b.putMarks(StopReports.UNPARKED, unparked));
        var report = StopReports.from(done.getMarksMap());
        if (!done.getRollbackReason().isEmpty()) {
            String reason = done.getRollbackReason() + "; rolled back to " + HostInfo.kernelRelease()
                    + " and restored there";
            upgrader.step(done, new UpgradeState.RolledBack(reason), reason + ": total stop " + report.getTotalStopMillis() + " ms",
                    b -> b.getEventBuilder().getUpgradeBuilder().setStopReport(report));
            return;
        }
        upgrader.step(done, new UpgradeState.Done(), "done: total stop " + report.getTotalStopMillis() + " ms",
                b -> b.getEventBuilder().getUpgradeBuilder().setStopReport(report));
    }

    private void fail(UpgradeRecord record, String reason) {
        List<String> problems = new ArrayList<>();
        Upgrader.attempt(problems, "unlock the network", () -> upgrader.unlockNetwork(record));
        upgrader.step(record, new UpgradeState.Failed(reason), reason, b -> {});
    }

    private KernelSwitch switchOf(UpgradeRecord record) {
        try {
            return upgrader.switchFor(record);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot build the kernel switch to undo it", e);
            return null;
        }
    }

    private static void endSurvivors(UpgradeRecord record) {
        for (ParkedWorkload w : record.getWorkloadsList()) {
            for (ProcessIdentity p : w.getProcessesList()) {
                if (HostInfo.alive(p.getPid(), p.getStartTime())) {
                    ProcessHandle.of(p.getPid()).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    private static boolean sameBoot(UpgradeRecord record) {
        return HostInfo.bootId().equals(record.getBootIdAtSwitch());
    }

    private static boolean everyParkedProcessAlive(UpgradeRecord record) {
        for (ParkedWorkload w : record.getWorkloadsList()) {
            for (ProcessIdentity p : w.getProcessesList()) {
                if (!HostInfo.alive(p.getPid(), p.getStartTime())) {
                    return false;
                }
            }
        }
        return true;
    }
}
