package dev.molt.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.scheduler.StopEstimate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The typed fields an upgrade's events carry besides their state. */
class EventFieldsTest {
    static final StopEstimate NO_HISTORY = StopEstimate.from(List.of());
    static final StopEstimate TEN_SECONDS = StopEstimate.from(List.of(Upgrade.newBuilder()
            .setState(dev.molt.api.v1.UpgradeState.DONE).setStopReport(StopReport.newBuilder().setTotalStopMillis(10_000)).build()));

    @Test
    void everyStateHasAPhaseNamedAsTheApiDocumentsIt() {
        assertThat(EventFields.phase(new UpgradeState.Parking())).isEqualTo("park");
        assertThat(EventFields.phase(new UpgradeState.Persisted())).isEqualTo("spool");
        assertThat(EventFields.phase(new UpgradeState.RolledBack("x"))).isEqualTo("rolled-back");
    }

    @Test
    void whileParkedTheStopSoFarAndTheTimeLeftFromThisHostsPastStops() {
        UpgradeEvent.Builder event = UpgradeEvent.newBuilder();

        EventFields.stopSoFar(event, Map.of(StopReports.PARK_START, 1_000L), false, 4_000, TEN_SECONDS);

        assertThat(event.getParkedMillis()).isEqualTo(3_000);
        assertThat(event.getEtaKnown()).isTrue();
        assertThat(event.getEtaMillis()).isEqualTo(7_000);
    }

    @Test
    void aStopLongerThanTheEstimateHasNoTimeLeftNotANegativeOne() {
        UpgradeEvent.Builder event = UpgradeEvent.newBuilder();

        EventFields.stopSoFar(event, Map.of(StopReports.PARK_START, 0L), false, 12_000, TEN_SECONDS);

        assertThat(event.getEtaMillis()).isZero();
        assertThat(event.getEtaKnown()).isTrue();
    }

    @Test
    void withoutAPastUpgradeThereIsNoTimeLeftAtAll() {
        UpgradeEvent.Builder event = UpgradeEvent.newBuilder();

        EventFields.stopSoFar(event, Map.of(StopReports.PARK_START, 1_000L), false, 4_000, NO_HISTORY);

        assertThat(event.getParkedMillis()).isEqualTo(3_000);
        assertThat(event.getEtaKnown()).isFalse();
        assertThat(event.getEtaMillis()).isZero();
    }

    @Test
    void beforeTheParkAfterTheUnparkAndInAFinalStateNothingIsParked() {
        UpgradeEvent.Builder before = UpgradeEvent.newBuilder().setParkedMillis(5);
        UpgradeEvent.Builder after = UpgradeEvent.newBuilder();
        UpgradeEvent.Builder ended = UpgradeEvent.newBuilder();

        EventFields.stopSoFar(before, Map.of(), false, 4_000, TEN_SECONDS);
        EventFields.stopSoFar(after, Map.of(StopReports.PARK_START, 1L, StopReports.UNPARKED, 2L), false, 4_000, TEN_SECONDS);
        EventFields.stopSoFar(ended, Map.of(StopReports.PARK_START, 1L), true, 4_000, TEN_SECONDS);

        assertThat(List.of(before, after, ended)).allSatisfy(e -> {
            assertThat(e.getParkedMillis()).isZero();
            assertThat(e.getEtaKnown()).isFalse();
        });
    }
}
