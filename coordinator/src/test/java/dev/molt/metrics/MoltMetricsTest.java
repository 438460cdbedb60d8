package dev.molt.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.PatchOperation;
import dev.molt.api.v1.PatchOperationKind;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.livepatch.LivepatchJournal;
import dev.molt.store.MoltStore;
import dev.molt.upgrade.UpgradeJournal;
import dev.molt.upgrade.UpgradeState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The meters over a real store on disk: seeded from the journal's whole history when built (as at
 * every daemon start), then brought up to date at each scrape.
 */
class MoltMetricsTest {
    static final UpgradeSpec SPEC = UpgradeSpec.newBuilder()
            .addWorkloads(Workload.newBuilder().setPid(42))
            .setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART)
            .build();

    @TempDir
    Path dir;

    static UpgradeRecord plan(UpgradeJournal journal) {
        return journal.create(UUID.randomUUID().toString(), SPEC, "boot-a", "6.1.0-50-amd64");
    }

    static void finishDone(UpgradeJournal journal, long stopMillis, long imageBytes, long persistMillis) {
        StopReport report = FinishedUpgradeTest.report(stopMillis, imageBytes, persistMillis);
        UpgradeRecord r = journal.transition(plan(journal), new UpgradeState.Dumping(), "dumping", b -> {});
        journal.transition(r, new UpgradeState.Done(), "done", b -> b.getEventBuilder().getUpgradeBuilder().setStopReport(report));
    }

    static void finishAborted(UpgradeJournal journal) {
        journal.transition(plan(journal), new UpgradeState.Aborted("preflight failed: dumpable"), "aborted", b -> {});
    }

    static void livepatch(LivepatchJournal journal, PatchOperationKind kind, PatchOperationState end) {
        PatchOperation op = journal.create(PatchOperation.newBuilder().setKind(kind).setState(PatchOperationState.PATCH_LOADING).setPatch("fix-1"));
        journal.transition(op, end, "ended", b -> {});
    }

    static Exposition scrape(MoltMetrics metrics) {
        return Exposition.parse(new String(metrics.scrape(null).body(), StandardCharsets.UTF_8));
    }

    @Test
    void theFirstReadSeedsCountsAndHistogramsWithTheWholeHistory() throws Exception {
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal upgrades = new UpgradeJournal(store.journal(), Clock.systemUTC());
            finishDone(upgrades, 1_200, 3L << 20, 100);
            finishDone(upgrades, 45_000, 300L << 20, 1_000);
            finishAborted(upgrades);
            LivepatchJournal patches = new LivepatchJournal(store.journal(), Clock.systemUTC());
            livepatch(patches, PatchOperationKind.PATCH_APPLY, PatchOperationState.PATCH_COMPLETED);
            livepatch(patches, PatchOperationKind.PATCH_APPLY, PatchOperationState.PATCH_REVERSED);

            Exposition e = scrape(MoltMetrics.of(store, "0.1.0", "6.18.0"));

            assertThat(e.value("molt_upgrades_total{result=\"done\"}")).isEqualTo(2);
            assertThat(e.value("molt_upgrades_total{result=\"aborted\"}")).isEqualTo(1);
            assertThat(e.value("molt_upgrades_total{result=\"rolled_back\"}")).isZero();
            assertThat(e.value("molt_upgrades_total{result=\"failed\"}")).isZero();
            assertThat(e.value("molt_upgrade_stop_seconds_count{result=\"done\"}")).isEqualTo(2);
            assertThat(e.value("molt_upgrade_stop_seconds_sum{result=\"done\"}")).isEqualTo(46.2);
            assertThat(e.value("molt_upgrade_stop_seconds_bucket{result=\"done\",le=\"1.0\"}")).isZero();
            assertThat(e.value("molt_upgrade_stop_seconds_bucket{result=\"done\",le=\"2.0\"}")).isEqualTo(1);
            assertThat(e.value("molt_upgrade_stop_seconds_bucket{result=\"done\",le=\"30.0\"}")).isEqualTo(1);
            assertThat(e.value("molt_upgrade_stop_seconds_bucket{result=\"done\",le=\"60.0\"}")).isEqualTo(2);
            assertThat(e.value("molt_upgrade_stop_seconds_bucket{result=\"done\",le=\"+Inf\"}")).isEqualTo(2);
            assertThat(e.value("molt_upgrade_stop_seconds_count{result=\"rolled_back\"}")).isZero();
            assertThat(e.value("molt_upgrade_image_bytes_count")).isEqualTo(2);
            assertThat(e.value("molt_upgrade_image_bytes_sum")).isEqualTo(303.0 * (1 << 20));
            assertThat(e.value("molt_upgrade_persist_throughput_bytes_per_second_count")).isEqualTo(2);
            assertThat(e.value("molt_upgrade_persist_throughput_bytes_per_second_sum")).isEqualTo(330.0 * (1 << 20));
            assertThat(e.value("molt_livepatches_total{kind=\"apply\",result=\"completed\"}")).isEqualTo(1);
            assertThat(e.value("molt_livepatches_total{kind=\"apply\",result=\"reversed\"}")).isEqualTo(1);
            assertThat(e.value("molt_livepatches_total{kind=\"revert\",result=\"failed\"}")).isZero();
            assertThat(e.value("molt_store_size_bytes")).isPositive();
            assertThat(e.value("molt_store_free_bytes")).isPositive();
            assertThat(e.value("molt_build_info{kernel=\"6.18.0\",version=\"0.1.0\"}")).isEqualTo(1);
        }
    }

    @Test
    void anUpgradeThatEndsLaterIsCountedOnceAtTheNextScrape() throws Exception {
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal upgrades = new UpgradeJournal(store.journal(), Clock.systemUTC());
            finishDone(upgrades, 2_000, 1L << 20, 10);
            MoltMetrics metrics = MoltMetrics.of(store, "dev", "k");
            assertThat(scrape(metrics).value("molt_upgrades_total{result=\"done\"}")).isEqualTo(1);

            finishDone(upgrades, 4_000, 1L << 20, 10);

            Exposition e = scrape(metrics);
            assertThat(e.value("molt_upgrades_total{result=\"done\"}")).isEqualTo(2);
            assertThat(e.value("molt_upgrade_stop_seconds_sum{result=\"done\"}")).isEqualTo(6.0);
            assertThat(scrape(metrics).value("molt_upgrade_stop_seconds_count{result=\"done\"}"))
                    .as("a scrape with nothing new adds nothing").isEqualTo(2);
        }
    }

    @Test
    void countsAndHistogramsContinueAcrossARestartOfTheDaemon() throws Exception {
        Exposition before;
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal upgrades = new UpgradeJournal(store.journal(), Clock.systemUTC());
            finishDone(upgrades, 3_000, 8L << 20, 20);
            finishAborted(upgrades);
            before = scrape(MoltMetrics.of(store, "dev", "k"));
        }
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal upgrades = new UpgradeJournal(store.journal(), Clock.systemUTC());
            finishDone(upgrades, 5_000, 8L << 20, 20);

            Exposition after = scrape(MoltMetrics.of(store, "dev", "k"));

            assertThat(before.value("molt_upgrades_total{result=\"done\"}")).isEqualTo(1);
            assertThat(after.value("molt_upgrades_total{result=\"done\"}")).isEqualTo(2);
            assertThat(after.value("molt_upgrades_total{result=\"aborted\"}")).isEqualTo(1);
            assertThat(after.value("molt_upgrade_stop_seconds_sum{result=\"done\"}")).isEqualTo(8.0);
            assertThat(after.value("molt_upgrade_image_bytes_count")).isEqualTo(2);
        }
    }

    @Test
    void theUpgradeUnderWayShowsItsStateUntilItEnds() throws Exception {
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal upgrades = new UpgradeJournal(store.journal(), Clock.systemUTC());
            MoltMetrics metrics = MoltMetrics.of(store, "dev", "k");
            assertThat(scrape(metrics).value("molt_upgrade_in_progress{state=\"dumping\"}")).isZero();

            UpgradeRecord dumping = upgrades.transition(plan(upgrades), new UpgradeState.Dumping(), "dumping", b -> {});

            Exposition during = scrape(metrics);
            assertThat(during.value("molt_upgrade_in_progress{state=\"dumping\"}")).isEqualTo(1);
            assertThat(during.value("molt_upgrade_in_progress{state=\"planned\"}")).isZero();
            assertThat(during.value("molt_upgrades_total{result=\"aborted\"}")).isZero();

            upgrades.transition(dumping, new UpgradeState.Aborted("cancelled"), "aborted", b -> {});

            Exposition after = scrape(metrics);
            assertThat(after.value("molt_upgrade_in_progress{state=\"dumping\"}")).isZero();
            assertThat(after.value("molt_upgrades_total{result=\"aborted\"}")).isEqualTo(1);
        }
    }
}
