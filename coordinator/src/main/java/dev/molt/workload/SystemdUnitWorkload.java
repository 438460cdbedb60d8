package dev.molt.workload;

import java.util.Objects;

/**
 * Every process of a systemd unit: the unit's control group, as systemd reports it.
 *
 * @param unit the unit's name, such as {@code redis-server.service}
 */
public record SystemdUnitWorkload(String unit) implements WorkloadSpec {

    public SystemdUnitWorkload {
        Objects.requireNonNull(unit, "unit");
    }

    @Override
    public String describe() {
        return "unit " + unit;
    }
}
