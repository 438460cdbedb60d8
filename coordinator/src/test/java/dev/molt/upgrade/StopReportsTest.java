package dev.molt.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.StopReport;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StopReportsTest {

    @Test
    void phasesComeFromTheJournalsMarksAndTheTotalRunsFromParkToUnpark() {
        Map<String, Long> marks = Map.ofEntries(
                Map.entry(StopReports.PARK_START, 1_000L),
                Map.entry(StopReports.PARKED, 1_010L),
                Map.entry(StopReports.DUMP_MILLIS, 500L),
                Map.entry(StopReports.PERSIST_MILLIS, 200L),
                Map.entry(StopReports.SWITCH_START, 1_800L),
                Map.entry(StopReports.DAEMON_START, 2_000L),
                Map.entry(StopReports.RESUME_START, 2_600L),
                Map.entry(StopReports.EXPORT_MILLIS, 150L),
                Map.entry(StopReports.RESTORED, 3_000L),
                Map.entry(StopReports.VERIFIED, 3_005L),
                Map.entry(StopReports.UNPARKED, 3_010L));

        StopReport report = StopReports.from(marks);

        assertThat(report.getPhasesList()).extracting(StopReport.Phase::getName, StopReport.Phase::getMillis).containsExactly(
                org.assertj.core.groups.Tuple.tuple("park", 10L),
                org.assertj.core.groups.Tuple.tuple("dump", 500L),
                org.assertj.core.groups.Tuple.tuple("persist", 200L),
                org.assertj.core.groups.Tuple.tuple("pre-switch", 90L),
                org.assertj.core.groups.Tuple.tuple("switch", 200L),
                org.assertj.core.groups.Tuple.tuple("coordinator-start", 600L),
                org.assertj.core.groups.Tuple.tuple("check-images", 150L),
                org.assertj.core.groups.Tuple.tuple("restore", 250L),
                org.assertj.core.groups.Tuple.tuple("verify", 5L),
                org.assertj.core.groups.Tuple.tuple("unpark", 5L));
        assertThat(report.getTotalStopMillis()).isEqualTo(2_010L);
        assertThat(StopReports.humanReadable(report)).contains("total stop").contains("2.01 s");
    }

    @Test
    void aRestoreAtBootEndsTheSwitchWhereTheBootHookStartsAndLeavesTheCoordinatorsStartOut() {
        Map<String, Long> marks = Map.ofEntries(
                Map.entry(StopReports.PARK_START, 1_000L),
                Map.entry(StopReports.PARKED, 1_010L),
                Map.entry(StopReports.DUMP_MILLIS, 500L),
                Map.entry(StopReports.PERSIST_MILLIS, 200L),
                Map.entry(StopReports.SWITCH_START, 1_800L),
                Map.entry(StopReports.BOOT_RESTORE, 1L),
                Map.entry(StopReports.RESUME_START, 5_800L),
                Map.entry(StopReports.EXPORT_MILLIS, 100L),
                Map.entry(StopReports.RESTORED, 6_600L),
                Map.entry(StopReports.VERIFIED, 6_600L),
                Map.entry(StopReports.UNPARKED, 6_620L));

        StopReport report = StopReports.from(marks);

        assertThat(report.getPhasesList()).extracting(StopReport.Phase::getName, StopReport.Phase::getMillis).containsExactly(
                org.assertj.core.groups.Tuple.tuple("park", 10L),
                org.assertj.core.groups.Tuple.tuple("dump", 500L),
                org.assertj.core.groups.Tuple.tuple("persist", 200L),
                org.assertj.core.groups.Tuple.tuple("pre-switch", 90L),
                org.assertj.core.groups.Tuple.tuple("switch", 4_000L),
                org.assertj.core.groups.Tuple.tuple("check-images", 100L),
                org.assertj.core.groups.Tuple.tuple("restore", 700L),
                org.assertj.core.groups.Tuple.tuple("verify", 0L),
                org.assertj.core.groups.Tuple.tuple("unpark", 20L));
        assertThat(report.getTotalStopMillis()).isEqualTo(5_620L);
    }

    @Test
    void missingMarksLeaveTheirPhasesOut() {
        StopReport report = StopReports.from(Map.of(StopReports.PARK_START, 5L, StopReports.PARKED, 7L));
        assertThat(report.getPhasesList()).extracting(StopReport.Phase::getName).containsExactly("park");
        assertThat(report.getTotalStopMillis()).isZero();
    }
}
