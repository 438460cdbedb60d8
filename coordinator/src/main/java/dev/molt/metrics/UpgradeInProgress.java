package dev.molt.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;

/** 1 for the state of the upgrade under way, 0 for every other state (all 0 when none is). */
final class UpgradeInProgress {
    static final String IN_PROGRESS = "molt.upgrade.in.progress";

    private volatile String state = "";

    UpgradeInProgress(MeterRegistry registry) {
        for (String s : ResultLabels.UPGRADE_STATES_IN_PROGRESS) {
            Gauge.builder(IN_PROGRESS, () -> s.equals(state) ? 1 : 0)
                    .description("1 while an upgrade is in this state")
                    .tag("state", s)
                    .register(registry);
        }
    }

    void set(Optional<String> inProgress) {
        state = inProgress.orElse("");
    }
}
