package dev.molt.metrics;

import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.Upgrade;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What the metrics take from an ended upgrade, read from its last journal record.
 *
 * @param id the upgrade
 * @param result one of {@link ResultLabels#UPGRADE_RESULTS}
 * @param stop the workloads' downtime (park to unpark) from the stop report; empty when the
 *     upgrade has none (it ended before the switch, or its report lacks the marks)
 * @param imageBytes CRIU's image bytes of all its workloads; empty without a stop report
 * @param persistBytesPerSecond image bytes over the persist phase's duration; empty without one,
 *     or when the phase took under a millisecond
 */
record FinishedUpgrade(String id, String result, Optional<Duration> stop, OptionalLong imageBytes,
        OptionalDouble persistBytesPerSecond) {

    static final String PERSIST_PHASE = "persist";

    /** The upgrade as the metrics see it; empty while it is under way. */
    static Optional<FinishedUpgrade> of(Upgrade upgrade) {
        return ResultLabels.upgradeResult(upgrade.getState()).map(result -> {
            if (!upgrade.hasStopReport()) {
                return new FinishedUpgrade(upgrade.getId(), result, Optional.empty(), OptionalLong.empty(), OptionalDouble.empty());
            }
            StopReport report = upgrade.getStopReport();
            Optional<Duration> stop = report.getTotalStopMillis() > 0
                    ? Optional.of(Duration.ofMillis(report.getTotalStopMillis())) : Optional.empty();
            OptionalLong image = report.getImageBytes() > 0 ? OptionalLong.of(report.getImageBytes()) : OptionalLong.empty();
            return new FinishedUpgrade(upgrade.getId(), result, stop, image, persistThroughput(report));
        });
    }

    private static OptionalDouble persistThroughput(StopReport report) {
        long millis = report.getPhasesList().stream().filter(p -> p.getName().equals(PERSIST_PHASE))
                .mapToLong(StopReport.Phase::getMillis).sum();
        if (millis <= 0 || report.getImageBytes() <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(report.getImageBytes() * 1000.0 / millis);
    }
}
