package dev.molt.upgrade;

import dev.molt.journal.v1.ParkedWorkload;
import dev.molt.journal.v1.ProcessIdentity;
import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.kexec.KernelSwitch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 *                         new boot, the boot hook       -> adopt them, verify, done
 *                         restored every workload
 *                         otherwise (new boot, or some  -> restore from the snapshots those the
 *                         process ended)                   boot hook did not restore
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
                    restoreRest(enterRestoring(record));
                }
            }
            case UpgradeState.Restoring r -> restoreRest(record);
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

    /** After the boot hook: adopt what it restored; restore the rest, or verify when nothing is left. */
    private void restoreRest(UpgradeRecord record) {
        if (!sameBoot(record)) {
            record = adoptBootRestore(record);
            if (state(record) instanceof UpgradeState.Verifying) {
                verifyAndUnpark(record);
                return;
            }
        }
        restoreAll(record);
    }

    /**
     * What the boot hook restored in this boot (see BootGuard): its pids go into the journal. When
     * it restored and unparked every workload, the stop ended there: its marks replace moltd's, and
     * the upgrade goes on to VERIFYING. Otherwise the workloads it restored are kept and moltd
     * restores the rest.
     */
    private UpgradeRecord adoptBootRestore(UpgradeRecord record) {
        var guard = upgrader.networkLock().bootGuard();
        if (guard.isEmpty()) {
            return record;
        }
        java.util.Optional<dev.molt.netlock.BootGuard.BootRestoreResult> found;
        try {
            found = guard.get().bootRestoreResult(Upgrader.id(record), HostInfo.bootId());
        } catch (java.io.IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read what the boot hook restored; restoring here", e);
            return record;
        }
        if (found.isEmpty()) {
            return record;
        }
        var result = found.get();
        List<String> failures = new ArrayList<>();
        UpgradeRecord.Builder b = record.toBuilder();
        for (int i = 0; i < result.workloads().size() && i < b.getWorkloadsCount(); i++) {
            var w = result.workloads().get(i);
            if (w.ok()) {
                b.setWorkloads(i, b.getWorkloads(i).toBuilder().setRestoredRootPid(w.pid()));
            } else if (!w.detail().isEmpty()) {
                failures.add(b.getWorkloads(i).getName() + ": " + w.detail());
            }
        }
        List<ParkedWorkload> adopted = b.getWorkloadsList();
        Map<String, Long> ms = result.millis();
        if (result.allOk() && result.workloads().size() == record.getWorkloadsCount() && ms.containsKey("UNPARKED_MS")) {
            long checks = 0;
            for (int i = 0; i < result.workloads().size(); i++) {
                checks += ms.getOrDefault("W" + i + "_CHECKED_MS", 0L) - ms.getOrDefault("W" + i + "_START_MS", 0L);
            }
            long check = checks;
            return upgrader.step(record, new UpgradeState.Verifying(), "restored at boot by the boot hook, verifying", x -> {
                x.clearWorkloads().addAllWorkloads(adopted);
                x.removeMarks(StopReports.DAEMON_START);
                x.putMarks(StopReports.BOOT_RESTORE, 1L)
                        .putMarks(StopReports.RESUME_START, ms.get("START_MS"))
                        .putMarks(StopReports.EXPORT_MILLIS, check)
                        .putMarks(StopReports.RESTORED, ms.get("RESTORED_MS"))
                        .putMarks(StopReports.VERIFIED, ms.get("RESTORED_MS"))
                        .putMarks(StopReports.UNPARKED, ms.get("UNPARKED_MS"));
            });
        }
        String why = failures.isEmpty() ? "it did not finish" : String.join("; ", failures);
        LOG.warning("the boot hook did not restore every workload (" + why + "); restoring the rest here");
        return upgrader.edit(record, x -> x.clearWorkloads().addAllWorkloads(adopted));
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
        // After a restore at boot the stop ended in the boot hook: its marks stand.
        boolean atBoot = record.getMarksMap().containsKey(StopReports.BOOT_RESTORE);
        long verified = upgrader.clock().millis();
        record = upgrader.edit(record, b -> {
            if (!atBoot) {
                b.putMarks(StopReports.VERIFIED, verified);
            }
        });
        for (ParkedWorkload w : record.getWorkloadsList()) {
            upgrader.workloads().thaw(Path.of(w.getCgroupDir()));
        }
        upgrader.unlockNetwork(record);
        long unparked = upgrader.clock().millis();
        UpgradeRecord done = upgrader.edit(record, b -> {
            if (!atBoot) {
                b.putMarks(StopReports.UNPARKED, unparked);
            }
        });
        if (!atBoot) {
            ConsoleEvents.emit("unparked", "upgrade=" + Upgrader.id(done));
        }
        upgrader.persistSpooled(done);
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

    private static UpgradeState state(UpgradeRecord record) {
        return Upgrader.state(record);
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
