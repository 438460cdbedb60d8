package dev.molt.api;

import dev.molt.api.v1.AddWindowRequest;
import dev.molt.api.v1.CancelScheduledRequest;
import dev.molt.api.v1.ListScheduledRequest;
import dev.molt.api.v1.ListScheduledResponse;
import dev.molt.api.v1.ListWindowsRequest;
import dev.molt.api.v1.ListWindowsResponse;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.RemoveWindowRequest;
import dev.molt.api.v1.RemoveWindowResponse;
import dev.molt.api.v1.ScheduleRequest;
import dev.molt.api.v1.ScheduledUpgrade;
import dev.molt.api.v1.WindowsGrpc;
import dev.molt.scheduler.Scheduler;
import dev.molt.upgrade.UpgradeException;
import io.grpc.stub.StreamObserver;

/** The Windows API: maps requests onto the {@link Scheduler} and failures onto status codes. */
public final class WindowsService extends WindowsGrpc.WindowsImplBase {
    private final Scheduler scheduler;
    private final dev.molt.policy.Admission admission;

    public WindowsService(Scheduler scheduler) {
        this(scheduler, dev.molt.policy.Admission.open());
    }

    public WindowsService(Scheduler scheduler, dev.molt.policy.Admission admission) {
        this.scheduler = scheduler;
        this.admission = admission;
    }

    @Override
    public void addWindow(AddWindowRequest request, StreamObserver<MaintenanceWindow> out) {
        UpgradesService.unary(out, () -> scheduler.addWindow(request.getWindow()));
    }

    @Override
    public void listWindows(ListWindowsRequest request, StreamObserver<ListWindowsResponse> out) {
        UpgradesService.unary(out, scheduler::listWindows);
    }

    @Override
    public void removeWindow(RemoveWindowRequest request, StreamObserver<RemoveWindowResponse> out) {
        UpgradesService.unary(out, () -> {
            scheduler.removeWindow(required("name", request.getName()));
            return RemoveWindowResponse.getDefaultInstance();
        });
    }

    @Override
    public void schedule(ScheduleRequest request, StreamObserver<ScheduledUpgrade> out) {
        // The configured workloads are written into the scheduled spec now: what it will protect
        // is visible in `molt schedules` and does not change under it.
        UpgradesService.unary(out, () -> scheduler.schedule(request.toBuilder().setSpec(admission.complete(request.getSpec())).build()));
    }

    @Override
    public void listScheduled(ListScheduledRequest request, StreamObserver<ListScheduledResponse> out) {
        UpgradesService.unary(out, () -> ListScheduledResponse.newBuilder().addAllScheduled(scheduler.list()).build());
    }

    @Override
    public void cancelScheduled(CancelScheduledRequest request, StreamObserver<ScheduledUpgrade> out) {
        UpgradesService.unary(out, () -> scheduler.cancel(required("scheduled_id", request.getScheduledId()), request.getReason()));
    }

    private static String required(String field, String value) {
        if (value.isBlank()) {
            throw new UpgradeException.InvalidArgument(field, "required");
        }
        return value;
    }
}
