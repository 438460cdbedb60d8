package dev.molt.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Molt's own cgroups, {@code BASE/NAME} under the cgroup2 mount ({@code molt/NAME} on a host): a
 * process tree named by its root pid is moved into one so that it can be frozen as a whole, and
 * moved back and the cgroup removed after restore or abort.
 *
 * <p>Moving a process into another cgroup changes which resource limits apply to it; for a tree
 * that lives in a cgroup with limits (a systemd service), name that cgroup or unit instead.
 */
public final class MoltCgroups {

    public static final String DEFAULT_BASE = "molt";
    /** A tree still forking new members after this many rounds of moving is refused. */
    static final int MAX_MOVE_ROUNDS = 50;

    private final Cgroup2 cgroup2;
    private final Procs procs;
    private final String base;

    /**
     * @param base the cgroup under which Molt creates its own, relative to the cgroup2 root
     */
    public MoltCgroups(Cgroup2 cgroup2, Procs procs, String base) {
        this.cgroup2 = Objects.requireNonNull(cgroup2, "cgroup2");
        this.procs = Objects.requireNonNull(procs, "procs");
        this.base = Objects.requireNonNull(base, "base");
    }

    /** The directory of Molt's cgroup for a workload called {@code name}. */
    public Path dirFor(String name) throws WorkloadException {
        return cgroup2.resolve(base + "/" + name);
    }

    /**
     * Moves the process tree of {@code tree.rootPid()} into Molt's cgroup {@code BASE/NAME},
     * creating it, and returns it resolved with {@code ownCgroup = true}. The tree is walked again
     * after each round of moves until a round finds no new member, so that a child forked while the
     * tree was being moved is not left behind. On failure the processes moved so far go back.
     */
    public ResolvedWorkload adopt(ProcessTreeWorkload tree) throws WorkloadException {
        long root = tree.rootPid();
        String subject = Long.toString(root);
        ProcStatus status = procs.status(root).orElseThrow(() -> new WorkloadException(
                WorkloadException.Reason.NOT_FOUND, subject, "no process with pid " + root));
        if (procs.isKernelThread(root)) {
            throw new WorkloadException(WorkloadException.Reason.KERNEL_THREAD, subject,
                    "pid " + root + " (" + status.name() + ") is a kernel thread, which cannot be checkpointed");
        }
        if (status.isZombie()) {
            throw new WorkloadException(WorkloadException.Reason.NOT_FOUND, subject,
                    "pid " + root + " (" + status.name() + ") has exited (a zombie)");
        }
        Path dir = dirFor(tree.name());
        Path origin = cgroup2.cgroupOf(root);
        // Nothing moves a tree back after a snapshot or an aborted upgrade: it is still in its
        // cgroup of Molt's, and is adopted again as it is, unless an operation under way holds it.
        boolean again = origin.startsWith(dir);
        if (again && freezeRequested(dir)) {
            throw new WorkloadException(WorkloadException.Reason.INVALID_NAME, subject, "pid " + root
                    + " is parked in Molt's cgroup " + cgroup2.nameOf(dir)
                    + " (frozen) by a snapshot or upgrade under way: wait for it to end");
        }
        create(dir, tree.name(), again ? treeOf(root) : Set.of());
        Map<Long, Path> moved = new LinkedHashMap<>();
        try {
            for (int round = 0; ; round++) {
                List<Long> members = new ArrayList<>(List.of(root));
                members.addAll(procs.descendants(root));
                members.removeAll(moved.keySet());
                if (members.isEmpty()) {
                    break;
                }
                if (round == MAX_MOVE_ROUNDS) {
                    throw new WorkloadException(WorkloadException.Reason.IO, subject, "the process tree of pid "
                            + root + " was still forking new processes after " + round + " rounds of moving it");
                }
                for (long pid : members) {
                    Path from;
                    try {
                        from = cgroup2.cgroupOf(pid);
                    } catch (WorkloadException e) {
                        if (e.reason() == WorkloadException.Reason.NOT_FOUND) {
                            continue; // exited meanwhile
                        }
                        throw e;
                    }
                    if (moveInto(dir, pid)) {
                        moved.put(pid, from);
                    }
                }
            }
            if (!procs.exists(root)) {
                throw new WorkloadException(WorkloadException.Reason.NOT_FOUND, subject,
                        "pid " + root + " exited while its tree was being moved");
            }
        } catch (WorkloadException | RuntimeException e) {
            undo(dir, moved, e);
            throw e;
        }
        List<Long> pids = WorkloadResolver.processesIn(dir);
        // Adopted again, the cgroup the tree first came from is no longer known: release moves it
        // to the root cgroup, where a cgroup that is gone sends it too.
        return new ResolvedWorkload(tree.name(), dir, List.of(root), pids, true, again ? cgroup2.root() : origin);
    }

    private Set<Long> treeOf(long root) throws WorkloadException {
        Set<Long> tree = new LinkedHashSet<>(procs.descendants(root));
        tree.add(root);
        return tree;
    }

    /** True when {@code cgroup.freeze} asks for frozen: a freeze done or in progress. */
    private static boolean freezeRequested(Path dir) throws WorkloadException {
        Path file = dir.resolve("cgroup.freeze");
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip().equals("1");
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, dir.toString(), "cannot read " + file + ": " + e, e);
        }
    }

    /**
     * Moves every process still in Molt's cgroup of {@code workload} back to its
     * {@link ResolvedWorkload#returnCgroupDir} (or that cgroup's nearest existing ancestor, if it
     * is gone; a frozen process is thawed by the move), and removes Molt's cgroup. Does nothing
     * for a workload Molt did not create a cgroup for, or whose cgroup is already gone.
     */
    public void release(ResolvedWorkload workload) throws WorkloadException {
        if (!workload.ownCgroup() || !cgroup2.exists(workload.cgroupDir())) {
            return;
        }
        Path dir = workload.cgroupDir();
        Path target = workload.returnCgroupDir();
        while (!cgroup2.exists(target) && target.startsWith(cgroup2.root()) && !target.equals(cgroup2.root())) {
            target = target.getParent();
        }
        for (long pid : WorkloadResolver.processesIn(dir)) {
            moveInto(target, pid);
        }
        removeWhenEmpty(dir, Duration.ofSeconds(5));
    }

    /** Creates the cgroup unless it exists; refuses one holding processes other than {@code members}. */
    private void create(Path dir, String name, Set<Long> members) throws WorkloadException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, name, "cannot create Molt's cgroup " + dir + ": " + e, e);
        }
        List<Long> strangers = new ArrayList<>(WorkloadResolver.processesIn(dir));
        strangers.removeAll(members);
        if (!strangers.isEmpty()) {
            throw new WorkloadException(WorkloadException.Reason.INVALID_NAME, name, "Molt's cgroup "
                    + cgroup2.nameOf(dir) + " already holds processes " + strangers + ": another workload uses the name "
                    + name);
        }
    }

    /** Writes {@code pid} to the cgroup's cgroup.procs; false when the process has exited. */
    private boolean moveInto(Path cgroupDir, long pid) throws WorkloadException {
        Path file = cgroupDir.resolve("cgroup.procs");
        try {
            Files.writeString(file, Long.toString(pid), StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
            return true;
        } catch (IOException e) {
            if (!procs.exists(pid)) {
                return false; // ESRCH: it exited
            }
            throw new WorkloadException(WorkloadException.Reason.IO, Long.toString(pid),
                    "cannot move pid " + pid + " into " + file + ": " + e, e);
        }
    }

    private void undo(Path dir, Map<Long, Path> moved, Exception failure) {
        for (Map.Entry<Long, Path> entry : moved.entrySet()) {
            try {
                moveInto(entry.getValue(), entry.getKey());
            } catch (WorkloadException e) {
                failure.addSuppressed(e);
            }
        }
        try {
            removeWhenEmpty(dir, Duration.ofSeconds(2));
        } catch (WorkloadException e) {
            failure.addSuppressed(e);
        }
    }

    /** rmdir, retried while exiting processes still populate the cgroup. */
    private static void removeWhenEmpty(Path dir, Duration patience) throws WorkloadException {
        long deadline = System.nanoTime() + patience.toNanos();
        long pause = Duration.ofMillis(1).toNanos();
        while (true) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (FileSystemException e) { // EBUSY while populated, ENOTEMPTY with child cgroups
                if (e instanceof NoSuchFileException) {
                    return;
                }
                if (System.nanoTime() - deadline >= 0) {
                    Set<Long> left = new LinkedHashSet<>();
                    try {
                        left.addAll(WorkloadResolver.processesIn(dir));
                    } catch (WorkloadException ignored) {
                        // Only for the message.
                    }
                    throw new WorkloadException(WorkloadException.Reason.IO, dir.toString(), "cannot remove Molt's cgroup "
                            + dir + " (" + e.getMessage() + "); processes still in it: " + left, e);
                }
            } catch (IOException e) {
                throw new WorkloadException(WorkloadException.Reason.IO, dir.toString(),
                        "cannot remove Molt's cgroup " + dir + ": " + e, e);
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, Duration.ofMillis(50).toNanos());
        }
    }
}
