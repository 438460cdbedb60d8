package dev.molt.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeState;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the metrics take from an upgrade's last record. */
class FinishedUpgradeTest {

    static StopReport report(long stopMillis, long imageBytes, long persistMillis) {
        return StopReport.newBuilder()
                .addPhases(StopReport.Phase.newBuilder().setName("park").setMillis(3))
                .addPhases(StopReport.Phase.newBuilder().setName("persist").setMillis(persistMillis))
                .setTotalStopMillis(stopMillis)
                .setImageBytes(imageBytes)
                .setStoredBytes(imageBytes / 2)
                .build();
    }

    @Test
    void aDoneUpgradeGivesItsStopImageBytesAndPersistThroughput() {
        Upgrade done = Upgrade.newBuilder().setId("u-1").setState(UpgradeState.DONE)
                .setStopReport(report(2_340, 64L << 20, 250)).build();

        FinishedUpgrade f = FinishedUpgrade.of(done).orElseThrow();

        assertThat(f.result()).isEqualTo("done");
        assertThat(f.stop()).contains(Duration.ofMillis(2_340));
        assertThat(f.imageBytes()).hasValue(64L << 20);
        assertThat(f.persistBytesPerSecond()).hasValue((64L << 20) * 4.0);
    }

    @Test
    void anUpgradeAbortedBeforeTheSwitchHasAResultOnly() {
        Upgrade aborted = Upgrade.newBuilder().setId("u-2").setState(UpgradeState.ABORTED).setReason("preflight failed").build();

        FinishedUpgrade f = FinishedUpgrade.of(aborted).orElseThrow();

        assertThat(f.result()).isEqualTo("aborted");
        assertThat(f.stop()).isEmpty();
        assertThat(f.imageBytes()).isEmpty();
        assertThat(f.persistBytesPerSecond()).isEmpty();
    }

    @Test
    void aPersistUnderAMillisecondGivesNoThroughput() {
        Upgrade done = Upgrade.newBuilder().setId("u-3").setState(UpgradeState.DONE).setStopReport(report(900, 4096, 0)).build();

        assertThat(FinishedUpgrade.of(done).orElseThrow().persistBytesPerSecond()).isEmpty();
    }

    @Test
    void anUpgradeUnderWayIsNotFinished() {
        assertThat(FinishedUpgrade.of(Upgrade.newBuilder().setId("u-4").setState(UpgradeState.RESTORING).build())).isEmpty();
    }
}
