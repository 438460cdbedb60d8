package dev.molt.daemon;

import dev.molt.api.v1.Workload;
import dev.molt.upgrade.UpgradeException;
import dev.molt.upgrade.Workloads;
import dev.molt.workload.Cgroup2;
import dev.molt.workload.CgroupWorkload;
import dev.molt.workload.Freezer;
import dev.molt.workload.MoltCgroups;
import dev.molt.workload.ProcessTreeWorkload;
import dev.molt.workload.Procs;
import dev.molt.workload.ResolvedWorkload;
import dev.molt.workload.SystemdUnitWorkload;
import dev.molt.workload.SystemdUnits;
import dev.molt.workload.WorkloadException;
import dev.molt.workload.WorkloadResolver;
import dev.molt.workload.WorkloadSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The upgrade's {@link Workloads} on this host: cgroup v2, /proc and systemd through
 * {@code dev.molt.workload}. Resolving changes nothing; a process tree is moved into Molt's own
 * cgroup only when the upgrade parks it.
 */
final class RealWorkloads implements Workloads {
    private final Cgroup2 cgroup2;
    private final Procs procs;
    private final MoltCgroups own;
    private final WorkloadResolver resolver;
    private final Freezer freezer = new Freezer();

    RealWorkloads() {
        try {
            this.cgroup2 = Cgroup2.find();
        } catch (WorkloadException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        this.procs = Procs.host();
        this.own = new MoltCgroups(cgroup2, procs, MoltCgroups.DEFAULT_BASE);
        this.resolver = new WorkloadResolver(cgroup2, procs, SystemdUnits.host(), own);
    }

    @Override
    public Target resolve(Workload workload) {
        return guarded(resolveTarget(workload));
    }

    /**
     * A workload that holds moltd itself or the host's init is refused: parking it would freeze
     * the coordinator that must unpark it, or the whole host.
     */
    static Target guarded(Target target) {
        long self = ProcessHandle.current().pid();
        for (long pid : target.pids()) {
            if (pid == self) {
                throw new UpgradeException.InvalidArgument("workload", target.name() + " contains moltd itself (pid " + self
                        + "): moltd cannot park the process that must unpark it");
            }
            if (pid == 1) {
                throw new UpgradeException.InvalidArgument("workload", target.name() + " contains the host's init (pid 1)");
            }
        }
        return target;
    }

    private Target resolveTarget(Workload workload) {
        try {
            return switch (workload.getSelectorCase()) {
                case PID -> {
                    long root = workload.getPid();
                    if (!procs.exists(root)) {
                        throw new UpgradeException.NotFound("pid", Long.toString(root), "no process " + root + ": name a running process tree's root");
                    }
                    if (procs.isKernelThread(root)) {
                        throw new UpgradeException.InvalidArgument("workload.pid", root + " is a kernel thread: it cannot be checkpointed");
                    }
                    ProcessTreeWorkload tree = new ProcessTreeWorkload(root);
                    List<Long> pids = new ArrayList<>();
                    pids.add(root);
                    pids.addAll(procs.descendants(root));
                    yield new Target(tree.name(), own.dirFor(tree.name()), true, root, List.copyOf(pids));
                }
                case CGROUP -> fromResolved(resolver.resolve(new CgroupWorkload(workload.getCgroup())));
                case SYSTEMD_UNIT -> fromResolved(resolver.resolve(new SystemdUnitWorkload(workload.getSystemdUnit())));
                case SELECTOR_NOT_SET -> throw new UpgradeException.InvalidArgument("workload", "set one of cgroup, systemd_unit, pid");
            };
        } catch (WorkloadException e) {
            throw translate(e);
        }
    }

    @Override
    public Target prepareCgroup(Target target) {
        if (!target.ownCgroup()) {
            return target;
        }
        try {
            return fromResolved(resolver.resolve(new ProcessTreeWorkload(target.rootPid(), target.name())));
        } catch (WorkloadException e) {
            throw translate(e);
        }
    }

    @Override
    public void freeze(Path cgroupDir, Duration timeout) {
        try {
            freezer.freeze(cgroupDir, timeout);
        } catch (WorkloadException e) {
            throw translate(e);
        }
    }

    @Override
    public void thaw(Path cgroupDir) {
        if (!Files.isDirectory(cgroupDir)) {
            return;
        }
        try {
            freezer.thaw(cgroupDir);
        } catch (WorkloadException e) {
            throw translate(e);
        }
    }

    private static Target fromResolved(ResolvedWorkload w) {
        if (w.rootPids().size() != 1) {
            throw new UpgradeException.InvalidArgument("workload", w.name() + " holds " + w.rootPids().size()
                    + " process trees (roots " + w.rootPids() + "); name each tree as a workload of its own (pid:ROOT)");
        }
        return new Target(w.name(), w.cgroupDir(), w.ownCgroup(), w.rootPids().get(0), w.pids());
    }

    private static RuntimeException translate(WorkloadException e) {
        return switch (e.reason()) {
            case NOT_FOUND, EMPTY -> new UpgradeException.NotFound(e.getMessage());
            case INVALID_NAME, KERNEL_THREAD -> new UpgradeException.InvalidArgument("workload", e.getMessage());
            case SYSTEMD_UNAVAILABLE, NO_CGROUP2, FREEZE_TIMEOUT -> new UpgradeException.FailedPrecondition(e.getMessage());
            case IO -> new IllegalStateException(e.getMessage(), e);
        };
    }
}
