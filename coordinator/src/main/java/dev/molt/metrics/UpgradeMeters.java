package dev.molt.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The meters of ended upgrades: how many by result, their stop durations, snapshot sizes and
 * persist throughput. Fed each ended upgrade once ({@link JournalHistory}); every series exists
 * from the start, at zero, so that a query sees it before the first upgrade.
 */
final class UpgradeMeters {
    static final String UPGRADES = "molt.upgrades";
    static final String STOP = "molt.upgrade.stop";
    static final String IMAGE = "molt.upgrade.image";
    static final String PERSIST_THROUGHPUT = "molt.upgrade.persist.throughput";

    /** From a sub-second stop on the host to the 10 minutes of a slow firmware's reboot. */
    static final Duration[] STOP_BUCKETS = {
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10)};

    private static final double MIB = 1024.0 * 1024;

    /** 1 MiB to 64 GiB of CRIU images, by fours. */
    static final double[] IMAGE_BUCKETS = {
        MIB, 4 * MIB, 16 * MIB, 64 * MIB, 256 * MIB, 1024 * MIB, 4096 * MIB, 16384 * MIB, 65536 * MIB};

    /** 16 MiB/s to 4 GiB/s, by twos: a slow disk to a fast NVMe (the host measured ~1 GB/s). */
    static final double[] PERSIST_BUCKETS = {
        16 * MIB, 32 * MIB, 64 * MIB, 128 * MIB, 256 * MIB, 512 * MIB, 1024 * MIB, 2048 * MIB, 4096 * MIB};

    private final MeterRegistry registry;
    private final DistributionSummary image;
    private final DistributionSummary persist;

    UpgradeMeters(MeterRegistry registry) {
        this.registry = registry;
        for (String result : ResultLabels.UPGRADE_RESULTS) {
            counter(result);
        }
        // Only upgrades that reached the switch and came back have a stop report.
        stop("done");
        stop("rolled_back");
        image = DistributionSummary.builder(IMAGE)
                .description("CRIU image bytes of an upgrade's workloads (its snapshots before storing)")
                .baseUnit("bytes")
                .serviceLevelObjectives(IMAGE_BUCKETS)
                .register(registry);
        persist = DistributionSummary.builder(PERSIST_THROUGHPUT)
                .description("Image bytes over the persist phase's duration, per upgrade")
                .baseUnit("bytes.per.second")
                .serviceLevelObjectives(PERSIST_BUCKETS)
                .register(registry);
    }

    void record(FinishedUpgrade upgrade) {
        counter(upgrade.result()).increment();
        upgrade.stop().ifPresent(d -> stop(upgrade.result()).record(d));
        upgrade.imageBytes().ifPresent(image::record);
        upgrade.persistBytesPerSecond().ifPresent(persist::record);
    }

    // Micrometer hands back the meter already registered under the same name and tags.
    private Counter counter(String result) {
        return Counter.builder(UPGRADES)
                .description("Upgrades that ended, by result, over the store's whole history")
                .tag("result", result)
                .register(registry);
    }

    private Timer stop(String result) {
        return Timer.builder(STOP)
                .description("The workloads' downtime in an upgrade, park to unpark, from its stop report")
                .tag("result", result)
                .serviceLevelObjectives(STOP_BUCKETS)
                .register(registry);
    }
}
