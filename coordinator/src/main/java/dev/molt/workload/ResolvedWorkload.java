package dev.molt.workload;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A workload as it is now: the cgroup to freeze and the processes in it.
 *
 * @param name for messages and the journal: the cgroup name, the unit, or the tree's name
 * @param cgroupDir the cgroup v2 directory that parking freezes
 * @param rootPids the processes whose parent is outside the workload: what CRIU dumps, one tree each
 * @param pids every process of the workload, roots included, at resolution time
 * @param ownCgroup true when Molt created {@code cgroupDir} (a process tree): it is Molt's to
 *     remove after restore or abort, with {@link MoltCgroups#release}
 * @param returnCgroupDir where {@link MoltCgroups#release} moves the processes back to (the cgroup the
 *     tree's root was in); equal to {@code cgroupDir} when {@code ownCgroup} is false
 */
public record ResolvedWorkload(String name, Path cgroupDir, List<Long> rootPids, List<Long> pids,
        boolean ownCgroup, Path returnCgroupDir) {

    public ResolvedWorkload {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cgroupDir, "cgroupDir");
        Objects.requireNonNull(returnCgroupDir, "returnCgroupDir");
        rootPids = List.copyOf(rootPids);
        pids = List.copyOf(pids);
        if (!ownCgroup && !returnCgroupDir.equals(cgroupDir)) {
            throw new IllegalArgumentException("returnCgroupDir applies only to Molt's own cgroups");
        }
    }
}
