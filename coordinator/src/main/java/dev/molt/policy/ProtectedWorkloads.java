package dev.molt.policy;

import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import java.util.List;

/**
 * The workloads this host protects, from the configuration's {@code workload.NAME = ...} lines:
 * an upgrade, plan or schedule that names no workload protects these. An operator declares once
 * what must survive an upgrade instead of repeating it on every command (and cannot forget one).
 */
public record ProtectedWorkloads(List<Named> workloads) {

    /** One configured workload and where it was configured ("/etc/molt/moltd.conf:12"). */
    public record Named(String name, Workload workload, String origin) {}

    public ProtectedWorkloads {
        workloads = List.copyOf(workloads);
    }

    public static ProtectedWorkloads none() {
        return new ProtectedWorkloads(List.of());
    }

    /** The spec itself when it names workloads; else the spec with the configured ones. */
    public UpgradeSpec complete(UpgradeSpec spec) {
        if (spec.getWorkloadsCount() > 0 || workloads.isEmpty()) {
            return spec;
        }
        return spec.toBuilder().addAllWorkloads(workloads.stream().map(Named::workload).toList()).build();
    }
}
