package dev.molt.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns a {@link WorkloadSpec} into the workload's cgroup and processes:
 * <ul>
 *   <li>a cgroup: every process in its cgroup.procs and its descendant cgroups';</li>
 *   <li>a systemd unit: its ControlGroup, then as a cgroup;</li>
 *   <li>a process tree: the root and its descendants, which resolution MOVES into Molt's own
 *       cgroup ({@link MoltCgroups#adopt}) so that they can be frozen together.</li>
 * </ul>
 * Roots are the processes whose parent is not in the workload: CRIU dumps one tree from each.
 * The result is a snapshot of a moving system; resolving again after freezing gives the stable set.
 */
public final class WorkloadResolver {

    private final Cgroup2 cgroup2;
    private final Procs procs;
    private final SystemdUnits systemd;
    private final MoltCgroups own;

    public WorkloadResolver(Cgroup2 cgroup2, Procs procs, SystemdUnits systemd, MoltCgroups own) {
        this.cgroup2 = Objects.requireNonNull(cgroup2, "cgroup2");
        this.procs = Objects.requireNonNull(procs, "procs");
        this.systemd = Objects.requireNonNull(systemd, "systemd");
        this.own = Objects.requireNonNull(own, "own");
    }

    /** The resolver for this host: the cgroup2 mount from mountinfo, /proc, systemd, {@code molt/}. */
    public static WorkloadResolver onHost() throws WorkloadException {
        Cgroup2 cgroup2 = Cgroup2.find();
        Procs procs = Procs.host();
        return new WorkloadResolver(cgroup2, procs, SystemdUnits.host(),
                new MoltCgroups(cgroup2, procs, MoltCgroups.DEFAULT_BASE));
    }

    /**
     * @throws WorkloadException naming the cgroup, unit or pid: NOT_FOUND, EMPTY, INVALID_NAME,
     *     KERNEL_THREAD, SYSTEMD_UNAVAILABLE, IO
     */
    public ResolvedWorkload resolve(WorkloadSpec spec) throws WorkloadException {
        Objects.requireNonNull(spec, "spec");
        return switch (spec) {
            case CgroupWorkload c -> inCgroup(c.cgroup(), c.cgroup());
            case SystemdUnitWorkload u -> inCgroup(systemd.controlGroupOf(u.unit()), u.unit());
            case ProcessTreeWorkload t -> own.adopt(t);
        };
    }

    /** Undoes what resolution created: Molt's own cgroup of a process tree (see {@link MoltCgroups#release}). */
    public void release(ResolvedWorkload workload) throws WorkloadException {
        own.release(workload);
    }

    private ResolvedWorkload inCgroup(String cgroupName, String workloadName) throws WorkloadException {
        Path dir = cgroup2.resolve(cgroupName);
        if (dir.equals(cgroup2.root())) {
            throw new WorkloadException(WorkloadException.Reason.INVALID_NAME, workloadName, "the root cgroup ("
                    + cgroupName + ") holds the whole system and cannot be frozen: name the workload's own cgroup");
        }
        if (!cgroup2.exists(dir)) {
            throw new WorkloadException(WorkloadException.Reason.NOT_FOUND, workloadName,
                    "cgroup " + cgroupName + " does not exist (no " + dir + ")");
        }
        Map<Long, ProcStatus> members = new LinkedHashMap<>();
        for (long pid : processesIn(dir)) {
            Optional<ProcStatus> status = procs.status(pid);
            if (status.isEmpty() || status.get().isZombie()) {
                continue; // exited meanwhile
            }
            if (procs.isKernelThread(pid)) {
                throw new WorkloadException(WorkloadException.Reason.KERNEL_THREAD, workloadName, "cgroup "
                        + cgroupName + " holds kernel thread " + pid + " (" + status.get().name()
                        + "), which cannot be checkpointed");
            }
            members.put(pid, status.get());
        }
        if (members.isEmpty()) {
            throw new WorkloadException(WorkloadException.Reason.EMPTY, workloadName,
                    "cgroup " + cgroupName + " holds no processes: nothing to protect");
        }
        return new ResolvedWorkload(workloadName, dir, roots(members.values()), List.copyOf(members.keySet()), false, dir);
    }

    /** The processes among {@code members} whose parent is not among them, in the given order. */
    static List<Long> roots(Iterable<ProcStatus> members) {
        Set<Long> pids = new LinkedHashSet<>();
        members.forEach(m -> pids.add(m.pid()));
        List<Long> roots = new ArrayList<>();
        members.forEach(m -> {
            if (!pids.contains(m.ppid())) {
                roots.add(m.pid());
            }
        });
        return roots;
    }

    /** Every pid in cgroup.procs of {@code cgroupDir} and of all its descendant cgroups. */
    static List<Long> processesIn(Path cgroupDir) throws WorkloadException {
        Set<Long> pids = new LinkedHashSet<>();
        try (Stream<Path> dirs = Files.walk(cgroupDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                try {
                    for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                        if (!line.isBlank()) {
                            pids.add(Long.parseLong(line.strip()));
                        }
                    }
                } catch (NoSuchFileException e) {
                    // A child cgroup removed while walking.
                }
            }
        } catch (NoSuchFileException e) {
            throw new WorkloadException(WorkloadException.Reason.NOT_FOUND, cgroupDir.toString(),
                    "cgroup " + cgroupDir + " does not exist", e);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, cgroupDir.toString(),
                    "cannot list the processes of " + cgroupDir + ": " + e, e);
        }
        return List.copyOf(pids);
    }
}
