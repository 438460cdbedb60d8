package dev.molt.workload;

import java.util.Objects;

/**
 * Every process in a cgroup v2 and its descendant cgroups.
 *
 * @param cgroup its name, {@code /molt/web} or {@code molt/web} (see {@link Cgroup2#resolve})
 */
public record CgroupWorkload(String cgroup) implements WorkloadSpec {

    public CgroupWorkload {
        Objects.requireNonNull(cgroup, "cgroup");
    }

    @Override
    public String describe() {
        return "cgroup " + cgroup;
    }
}
