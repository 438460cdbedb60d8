package dev.molt.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.AddWindowRequest;
import dev.molt.api.v1.Blocker;
import dev.molt.api.v1.CancelScheduledRequest;
import dev.molt.api.v1.ListScheduledRequest;
import dev.molt.api.v1.ListWindowsRequest;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.RemoveWindowRequest;
import dev.molt.api.v1.ScheduleRequest;
import dev.molt.api.v1.ScheduledState;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.WindowsGrpc;
import dev.molt.api.v1.Workload;
import dev.molt.scheduler.BlockerChecks;
import dev.molt.scheduler.Scheduler;
import dev.molt.scheduler.UpgradeStarter;
import dev.molt.scheduler.WindowStore;
import dev.molt.store.MoltStore;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Windows API in-process over a real scheduler and store: each rpc, and the status codes of its failures. */
class WindowsServiceTest {
    static final UpgradeSpec SPEC = UpgradeSpec.newBuilder().addWorkloads(Workload.newBuilder().setPid(42))
            .setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART).build();

    @TempDir
    Path dir;

    MoltStore store;
    Scheduler scheduler;
    Server server;
    ManagedChannel channel;
    WindowsGrpc.WindowsBlockingStub windows;

    /** Never starts anything: the clock is fixed outside every window these tests add. */
    static final class NoUpgrades implements UpgradeStarter {
        @Override
        public Upgrade start(String requestId, UpgradeSpec spec, dev.molt.upgrade.ParkGuard guard) {
            throw new AssertionError("no upgrade may start in these tests");
        }

        @Override
        public Optional<Upgrade> byRequestId(String requestId) {
            return Optional.empty();
        }

        @Override
        public Optional<Upgrade> active() {
            return Optional.empty();
        }

        @Override
        public List<Upgrade> recent(int limit) {
            return List.of();
        }
    }

    @BeforeEach
    void start() throws Exception {
        store = MoltStore.open(dir);
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
        BlockerChecks noBlocker = b -> Optional.empty();
        scheduler = new Scheduler(new WindowStore(store.journal()), new NoUpgrades(), noBlocker, clock,
                Executors.newSingleThreadScheduledExecutor());
        String name = "windows-" + UUID.randomUUID();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new WindowsService(scheduler)).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        windows = WindowsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        scheduler.close();
        store.close();
    }

    static MaintenanceWindow nightly() {
        return MaintenanceWindow.newBuilder().setName("nightly").addDays("mon-fri").setStart("02:00")
                .setLengthMillis(7_200_000).setZone("Europe/Berlin").build();
    }

    static void assertStatus(ThrowingCallable call, Status.Code code, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    @Test
    void addWindowStoresItExpandedAndDescribed() {
        MaintenanceWindow added = windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly()).build());

        assertThat(added.getDaysList()).containsExactly("mon", "tue", "wed", "thu", "fri");
        assertThat(added.getDescription()).isEqualTo("mon,tue,wed,thu,fri 02:00 for 2h Europe/Berlin");
        assertThat(added.getNextStartMillis()).isEqualTo(Instant.parse("2026-11-24T01:00:00Z").toEpochMilli());
    }

    @Test
    void addWindow_error() {
        assertStatus(() -> windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly().toBuilder().clearDays().addDays("mnd")).build()),
                Status.Code.INVALID_ARGUMENT, "day 'mnd' is not one of mon..sun");
        assertStatus(() -> windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly().toBuilder().setStart("25:00")).build()),
                Status.Code.INVALID_ARGUMENT, "start 25:00 is not a time of day (HH:MM");
        assertStatus(() -> windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly().toBuilder().setLengthMillis(0)).build()),
                Status.Code.INVALID_ARGUMENT, "length must be positive");
        assertStatus(() -> windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly().toBuilder().setZone("Mars/Base")).build()),
                Status.Code.INVALID_ARGUMENT, "unknown time zone 'Mars/Base'");
        windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly()).build());
        assertStatus(() -> windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly()).build()),
                Status.Code.INVALID_ARGUMENT, "window 'nightly' already exists");
    }

    @Test
    void listWindowsGivesTheNextOpeningAndTheEstimate() {
        windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly()).build());

        var list = windows.listWindows(ListWindowsRequest.getDefaultInstance());

        assertThat(list.getWindowsList()).extracting(MaintenanceWindow::getName).containsExactly("nightly");
        assertThat(list.getNextOpening().getStartLocal()).isEqualTo("2026-11-24 02:00:00 +01:00 Europe/Berlin");
        assertThat(list.getNextOpening().getOpenNow()).isFalse();
        assertThat(list.getEstimatedStopMillis()).isEqualTo(300_000);
        assertThat(list.getMarginMillis()).isEqualTo(75_000);
    }

    @Test
    void removeWindowAndItsErrors() {
        windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly()).build());
        windows.schedule(ScheduleRequest.newBuilder().setRequestId("r").setSpec(SPEC).addWindows("nightly").build());

        assertStatus(() -> windows.removeWindow(RemoveWindowRequest.newBuilder().setName("nightly").build()),
                Status.Code.FAILED_PRECONDITION, "cancel that first");
        assertStatus(() -> windows.removeWindow(RemoveWindowRequest.newBuilder().setName("weekly").build()),
                Status.Code.NOT_FOUND, "no window 'weekly'");
        assertStatus(() -> windows.removeWindow(RemoveWindowRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "name");

        String id = windows.listScheduled(ListScheduledRequest.getDefaultInstance()).getScheduled(0).getId();
        windows.cancelScheduled(CancelScheduledRequest.newBuilder().setScheduledId(id).build());
        windows.removeWindow(RemoveWindowRequest.newBuilder().setName("nightly").build());
        assertThat(windows.listWindows(ListWindowsRequest.getDefaultInstance()).getWindowsList()).isEmpty();
    }

    @Test
    void scheduleWaitsAndSaysForWhat() {
        windows.addWindow(AddWindowRequest.newBuilder().setWindow(nightly()).build());

        var s = windows.schedule(ScheduleRequest.newBuilder().setRequestId("r").setSpec(SPEC)
                .addBlockers(Blocker.newBuilder().setCommand("true")).build());

        assertThat(s.getState()).isEqualTo(ScheduledState.WAITING);
        assertThat(s.getReason()).startsWith("waits for window 'nightly' 2026-11-24 02:00:00 +01:00 Europe/Berlin");
        assertThat(windows.listScheduled(ListScheduledRequest.getDefaultInstance()).getScheduledList())
                .singleElement().satisfies(x -> assertThat(x.getId()).isEqualTo(s.getId()));
    }

    @Test
    void schedule_error() {
        assertStatus(() -> windows.schedule(ScheduleRequest.newBuilder().setSpec(SPEC).build()),
                Status.Code.INVALID_ARGUMENT, "request_id");
        assertStatus(() -> windows.schedule(ScheduleRequest.newBuilder().setRequestId("r").build()),
                Status.Code.INVALID_ARGUMENT, "workload");
        assertStatus(() -> windows.schedule(ScheduleRequest.newBuilder().setRequestId("r").setSpec(SPEC)
                        .addBlockers(Blocker.newBuilder().setCommand("true").setHttpUrl("http://x/")).build()),
                Status.Code.INVALID_ARGUMENT, "exactly one");
        assertStatus(() -> windows.schedule(ScheduleRequest.newBuilder().setRequestId("r").setSpec(SPEC).addWindows("nope").build()),
                Status.Code.NOT_FOUND, "no window 'nope'");
    }

    @Test
    void cancelScheduled_error() {
        var s = windows.schedule(ScheduleRequest.newBuilder().setRequestId("r").setSpec(SPEC).build());
        var cancelled = windows.cancelScheduled(CancelScheduledRequest.newBuilder().setScheduledId(s.getId()).setReason("freeze").build());

        assertThat(cancelled.getState()).isEqualTo(ScheduledState.CANCELLED);
        assertStatus(() -> windows.cancelScheduled(CancelScheduledRequest.newBuilder().setScheduledId(s.getId()).build()),
                Status.Code.FAILED_PRECONDITION, "is CANCELLED");
        assertStatus(() -> windows.cancelScheduled(CancelScheduledRequest.newBuilder().setScheduledId("s-x").build()),
                Status.Code.NOT_FOUND, "no scheduled upgrade s-x");
        assertStatus(() -> windows.cancelScheduled(CancelScheduledRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "scheduled_id");
    }
}
