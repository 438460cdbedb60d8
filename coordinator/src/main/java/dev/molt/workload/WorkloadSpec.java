package dev.molt.workload;

/**
 * How an operator names a workload Molt protects. {@link WorkloadResolver} turns a spec into the
 * processes and the cgroup that parking freezes.
 */
public sealed interface WorkloadSpec permits CgroupWorkload, SystemdUnitWorkload, ProcessTreeWorkload {

    /** The spec as an operator would write it, for messages. */
    String describe();
}
