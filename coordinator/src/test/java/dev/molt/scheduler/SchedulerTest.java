package dev.molt.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.Blocker;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.ScheduleRequest;
import dev.molt.api.v1.ScheduledState;
import dev.molt.api.v1.ScheduledUpgrade;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.store.MoltStore;
import dev.molt.upgrade.UpgradeException;
import dev.molt.window.WindowSpecException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler with an injected clock, fake upgrades and blockers, and a real store on disk: it
 * waits for the window, starts inside it, says why it waits, survives a restart.
 */
class SchedulerTest {
    static final UpgradeSpec SPEC = UpgradeSpec.newBuilder()
            .addWorkloads(Workload.newBuilder().setPid(42))
            .setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART)
            .build();
    // Monday 2026-11-23; the window is daily 02:00-04:00 UTC.
    static final Instant BEFORE = Instant.parse("2026-11-23T01:00:00Z");
    static final Instant INSIDE = Instant.parse("2026-11-23T02:30:00Z");

    @TempDir
    Path dir;

    MoltStore store;
    FakeClock clock = new FakeClock(BEFORE);
    FakeUpgradeStarter upgrades = new FakeUpgradeStarter();
    FakeBlockerChecks blockers = new FakeBlockerChecks();
    Scheduler scheduler;

    @BeforeEach
    void open() throws Exception {
        store = MoltStore.open(dir);
        scheduler = newScheduler();
        scheduler.addWindow(nightly());
    }

    @AfterEach
    void close() {
        scheduler.close();
        store.close();
    }

    Scheduler newScheduler() {
        Scheduler s = new Scheduler(new WindowStore(store.journal()), upgrades, blockers, clock,
                Executors.newSingleThreadScheduledExecutor());
        s.start();
        return s;
    }

    static MaintenanceWindow nightly() {
        return MaintenanceWindow.newBuilder().setName("nightly").addDays("daily").setStart("02:00")
                .setLengthMillis(Duration.ofHours(2).toMillis()).setZone("UTC").build();
    }

    static ScheduleRequest request(String id, Blocker... blockers) {
        return ScheduleRequest.newBuilder().setRequestId(id).setSpec(SPEC).addAllBlockers(java.util.List.of(blockers)).build();
    }

    ScheduledUpgrade awaitScheduled(String id, Predicate<ScheduledUpgrade> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        ScheduledUpgrade s = null;
        while (System.nanoTime() < deadline) {
            s = scheduler.list().stream().filter(x -> x.getId().equals(id)).findFirst().orElseThrow();
            if (condition.test(s)) {
                return s;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("scheduled upgrade " + id + " did not become " + what + " within 30 s: " + s);
    }

    @Test
    void waitsForTheWindowAndSaysWhichThenStartsInsideIt() throws Exception {
        ScheduledUpgrade s = scheduler.schedule(request("req-1"));

        assertThat(s.getState()).isEqualTo(ScheduledState.WAITING);
        assertThat(s.getReason()).contains("waits for window 'nightly' 2026-11-23 02:00:00", "needs 6m15s");
        assertThat(s.getNextCheckMillis()).isEqualTo(Instant.parse("2026-11-23T02:00:00Z").toEpochMilli());
        assertThat(s.getOpening().getStartLocal()).isEqualTo("2026-11-23 02:00:00 +00:00 UTC");

        clock.set(INSIDE);
        scheduler.wakeNow();

        ScheduledUpgrade started = awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED");
        assertThat(started.getUpgradeId()).isEqualTo("u-1");
        assertThat(started.getReason()).contains("started upgrade u-1", "window 'nightly'", "1h30m left");
        assertThat(upgrades.started).singleElement().satisfies(u -> assertThat(u.requestId()).isEqualTo("req-1"));
    }

    @Test
    void scheduledInsideAnOpenWindowStartsAtOnce() throws Exception {
        clock.set(INSIDE);

        ScheduledUpgrade s = scheduler.schedule(request("req-1"));

        awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED");
    }

    @Test
    void tooLittleLeftInTheWindowWaitsForTheNextOne() throws Exception {
        clock.set(Instant.parse("2026-11-23T03:55:00Z")); // 5 min left, 6m15s needed

        ScheduledUpgrade s = scheduler.schedule(request("req-1"));
        scheduler.wakeNow();

        ScheduledUpgrade waiting = awaitScheduled(s.getId(), x -> x.getReason().contains("passed over"), "passed over");
        assertThat(waiting.getReason()).contains("waits for window 'nightly' 2026-11-24 02:00:00", "has 5m left");
        assertThat(upgrades.started).isEmpty();
    }

    @Test
    void theEstimateComesFromThisHostsPastStops() throws Exception {
        upgrades.history.add(FakeUpgradeStarter.done("u-0", 90_000));
        clock.set(Instant.parse("2026-11-23T03:55:00Z")); // 5 min left; 90 s + 1 min margin needed

        ScheduledUpgrade s = scheduler.schedule(request("req-1"));

        ScheduledUpgrade started = awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED");
        assertThat(started.getReason()).contains("needs 2m30s", "longest of the last 1");
    }

    @Test
    void aFailingBlockerKeepsItWaitingUntilItPasses() throws Exception {
        blockers.failing.add("check");
        clock.set(INSIDE);

        ScheduledUpgrade s = scheduler.schedule(request("req-1", Blocker.newBuilder().setCommand("check").build()));
        ScheduledUpgrade blocked = awaitScheduled(s.getId(), x -> x.getReason().contains("blocker"), "blocked");

        assertThat(blocked.getState()).isEqualTo(ScheduledState.WAITING);
        assertThat(blocked.getReason()).contains("is open", "but blocker `check` exited with 1", "looks again in 10s");
        assertThat(blocked.getNextCheckMillis()).isEqualTo(INSIDE.plusSeconds(10).toEpochMilli());
        assertThat(upgrades.started).isEmpty();

        blockers.failing.clear();
        clock.advance(Duration.ofSeconds(10));
        scheduler.wakeNow();

        awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED");
    }

    @Test
    void aBlockerFailingRightBeforeParkingStopsThatUpgradeAndItWaitsAgain() throws Exception {
        clock.set(INSIDE);
        ScheduledUpgrade s = scheduler.schedule(request("req-1", Blocker.newBuilder().setCommand("check").build()));
        awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED");

        blockers.failing.add("check");
        var objection = upgrades.started.getFirst().guard().objection();

        assertThat(objection).hasValueSatisfying(o -> assertThat(o).contains("blocker `check` exited with 1"));
        ScheduledUpgrade again = awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.WAITING, "WAITING again");
        assertThat(again.getReason()).contains("upgrade u-1 was stopped right before parking", "waits again");
        assertThat(again.getAttempts()).isEqualTo(1);

        blockers.failing.clear();
        clock.advance(Duration.ofSeconds(10));
        scheduler.wakeNow();

        ScheduledUpgrade second = awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED again");
        assertThat(second.getUpgradeId()).isEqualTo("u-2");
        assertThat(upgrades.started).extracting(FakeUpgradeStarter.Started::requestId).containsExactly("req-1", "req-1#2");
    }

    @Test
    void theGuardObjectsWhenTheWindowRanOutDuringPreflight() throws Exception {
        clock.set(INSIDE);
        ScheduledUpgrade s = scheduler.schedule(request("req-1"));
        awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED");

        clock.set(Instant.parse("2026-11-23T03:58:00Z"));

        assertThat(upgrades.started.getFirst().guard().objection())
                .hasValueSatisfying(o -> assertThat(o).contains("no longer has the 6m15s needed (2m left)"));
    }

    @Test
    void anotherUpgradeRunningKeepsItWaiting() throws Exception {
        upgrades.active = FakeUpgradeStarter.done("u-other", 1).toBuilder().setState(dev.molt.api.v1.UpgradeState.DUMPING).build();
        clock.set(INSIDE);

        ScheduledUpgrade s = scheduler.schedule(request("req-1"));

        ScheduledUpgrade waiting = awaitScheduled(s.getId(), x -> x.getReason().contains("u-other"), "waiting for u-other");
        assertThat(waiting.getReason()).contains("upgrade u-other is running");
    }

    @Test
    void aRestartedSchedulerStartsWhatWaitsOnceTheWindowOpens() throws Exception {
        ScheduledUpgrade s = scheduler.schedule(request("req-1"));
        scheduler.close();

        clock.set(INSIDE);
        scheduler = newScheduler();

        awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED after the restart");
        assertThat(upgrades.started).hasSize(1);
    }

    @Test
    void anUpgradeStartedJustBeforeACrashIsNotStartedTwice() throws Exception {
        ScheduledUpgrade s = scheduler.schedule(request("req-1"));
        scheduler.close();
        // The upgrade started, the daemon died before the store said so.
        upgrades.byRequest.put("req-1", FakeUpgradeStarter.done("u-before-crash", 1));

        clock.set(INSIDE);
        scheduler = newScheduler();

        ScheduledUpgrade started = awaitScheduled(s.getId(), x -> x.getState() == ScheduledState.STARTED, "STARTED");
        assertThat(started.getUpgradeId()).isEqualTo("u-before-crash");
        assertThat(upgrades.started).isEmpty();
    }

    @Test
    void scheduleIsIdempotentOnTheRequestId() {
        ScheduledUpgrade first = scheduler.schedule(request("req-1"));
        ScheduledUpgrade again = scheduler.schedule(request("req-1"));

        assertThat(again.getId()).isEqualTo(first.getId());
        assertThat(scheduler.list()).hasSize(1);
    }

    @Test
    void aCancelledOneNeverStartsAndCannotBeCancelledTwice() throws Exception {
        ScheduledUpgrade s = scheduler.schedule(request("req-1"));

        ScheduledUpgrade cancelled = scheduler.cancel(s.getId(), "change freeze");
        clock.set(INSIDE);
        scheduler.evaluateAll(); // one pass, here: nothing may start

        assertThat(cancelled.getState()).isEqualTo(ScheduledState.CANCELLED);
        assertThat(cancelled.getReason()).isEqualTo("cancelled: change freeze");
        assertThatThrownBy(() -> scheduler.cancel(s.getId(), ""))
                .isInstanceOf(UpgradeException.FailedPrecondition.class).hasMessageContaining("is CANCELLED");
        assertThatThrownBy(() -> scheduler.cancel("s-nope", ""))
                .isInstanceOf(UpgradeException.NotFound.class);
        assertThat(upgrades.started).isEmpty();
    }

    @Test
    void withoutAnyWindowItWaitsAndSaysHowToAddOne() {
        scheduler.removeWindow("nightly");

        ScheduledUpgrade s = scheduler.schedule(request("req-1"));

        assertThat(s.getReason()).contains("no maintenance window is defined", "molt window add");
        assertThat(s.getNextCheckMillis()).isZero();
    }

    @Test
    void windowsAreNamedUniquelyAndOneAWaitingUpgradeNamesStays() {
        assertThatThrownBy(() -> scheduler.addWindow(nightly()))
                .isInstanceOf(WindowSpecException.class).hasMessageContaining("window 'nightly' already exists");
        scheduler.schedule(request("req-1").toBuilder().addWindows("nightly").build());

        assertThatThrownBy(() -> scheduler.removeWindow("nightly"))
                .isInstanceOf(UpgradeException.FailedPrecondition.class).hasMessageContaining("cancel that first");
        assertThatThrownBy(() -> scheduler.removeWindow("weekly"))
                .isInstanceOf(UpgradeException.NotFound.class);
        assertThatThrownBy(() -> scheduler.schedule(request("req-2").toBuilder().addWindows("weekly").build()))
                .isInstanceOf(UpgradeException.NotFound.class).hasMessageContaining("no window 'weekly'");
    }

    @Test
    void aWindowWithoutANameGetsOneAndTheListShowsTheNextOpening() {
        MaintenanceWindow added = scheduler.addWindow(nightly().toBuilder().setName("").setStart("05:00").build());

        var list = scheduler.listWindows();

        assertThat(added.getName()).isEqualTo("w-1");
        assertThat(list.getWindowsList()).extracting(MaintenanceWindow::getName).containsExactly("nightly", "w-1");
        assertThat(list.getWindows(0).getDescription()).isEqualTo("daily 02:00 for 2h UTC");
        assertThat(list.getWindows(0).getDaysCount()).isEqualTo(7);
        assertThat(list.getNextOpening().getStartLocal()).isEqualTo("2026-11-23 02:00:00 +00:00 UTC");
        assertThat(list.getNextOpening().getOpenNow()).isFalse();
        assertThat(list.getEstimatedStopMillis()).isEqualTo(300_000);
    }

    @Test
    void malformedRequestsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> scheduler.schedule(request("")))
                .isInstanceOf(UpgradeException.InvalidArgument.class).hasMessageContaining("request_id");
        assertThatThrownBy(() -> scheduler.schedule(request("r", Blocker.newBuilder().setHttpUrl("ftp://x").build())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be http:// or https://");
        assertThatThrownBy(() -> scheduler.addWindow(nightly().toBuilder().setName("x").setZone("Mars/Base").build()))
                .isInstanceOf(WindowSpecException.class).hasMessageContaining("unknown time zone 'Mars/Base'");
    }
}
