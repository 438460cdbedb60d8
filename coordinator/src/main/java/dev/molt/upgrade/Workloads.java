package dev.molt.upgrade;

import dev.molt.api.v1.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the upgrade needs from the workload layer: naming what is protected and parking it. The
 * daemon wires the real one (cgroup v2 freezer, /proc); unit tests of the state machine use a fake.
 */
public interface Workloads {

    /**
     * Resolves a workload to the process trees it protects, without changing anything.
     *
     * @throws UpgradeException.NotFound when the pid, cgroup or unit does not exist
     * @throws UpgradeException.InvalidArgument when the selector is malformed
     */
    Target resolve(Workload workload);

    /**
     * Makes sure the workload is in a cgroup that can be frozen (a process tree is moved into a
     * cgroup of Molt's own) and returns it with its processes as of now.
     */
    Target prepareCgroup(Target target);

    /** Freezes the cgroup and waits until the kernel reports it frozen. */
    void freeze(Path cgroupDir, Duration timeout);

    /** Thaws the cgroup; a cgroup that is gone or not frozen is fine. */
    void thaw(Path cgroupDir);

    /** A workload resolved: its cgroup (may be empty until prepared) and its process trees' roots. */
    record Target(String name, Path cgroupDir, boolean ownCgroup, long rootPid, List<Long> pids) {}
}
