package dev.molt.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** How many livepatch operations ended, by kind and result; fed each one once. */
final class LivepatchMeters {
    static final String LIVEPATCHES = "molt.livepatches";

    private final MeterRegistry registry;

    LivepatchMeters(MeterRegistry registry) {
        this.registry = registry;
        for (String kind : ResultLabels.LIVEPATCH_KINDS) {
            for (String result : ResultLabels.LIVEPATCH_RESULTS) {
                counter(kind, result);
            }
        }
    }

    void record(FinishedLivepatch operation) {
        counter(operation.kind(), operation.result()).increment();
    }

    private Counter counter(String kind, String result) {
        return Counter.builder(LIVEPATCHES)
                .description("Livepatch operations that ended, by kind and result, over the store's whole history")
                .tag("kind", kind)
                .tag("result", result)
                .register(registry);
    }
}
