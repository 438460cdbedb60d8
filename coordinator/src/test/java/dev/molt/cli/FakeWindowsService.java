package dev.molt.cli;

import com.google.protobuf.Message;
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
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Windows for CLI tests: answers set by the test, every request recorded. */
final class FakeWindowsService extends WindowsGrpc.WindowsImplBase {
  volatile MaintenanceWindow added = MaintenanceWindow.getDefaultInstance();
  volatile ListWindowsResponse windows = ListWindowsResponse.getDefaultInstance();
  volatile ScheduledUpgrade scheduled = ScheduledUpgrade.getDefaultInstance();
  volatile List<ScheduledUpgrade> list = List.of();
  volatile Status failure;
  final List<Message> requests = new CopyOnWriteArrayList<>();

  @Override
  public void addWindow(AddWindowRequest request, StreamObserver<MaintenanceWindow> response) {
    answer(request, added, response);
  }

  @Override
  public void listWindows(ListWindowsRequest request, StreamObserver<ListWindowsResponse> response) {
    answer(request, windows, response);
  }

  @Override
  public void removeWindow(RemoveWindowRequest request, StreamObserver<RemoveWindowResponse> response) {
    answer(request, RemoveWindowResponse.getDefaultInstance(), response);
  }

  @Override
  public void schedule(ScheduleRequest request, StreamObserver<ScheduledUpgrade> response) {
    answer(request, scheduled, response);
  }

  @Override
  public void listScheduled(ListScheduledRequest request, StreamObserver<ListScheduledResponse> response) {
    answer(request, ListScheduledResponse.newBuilder().addAllScheduled(list).build(), response);
  }

  @Override
  public void cancelScheduled(CancelScheduledRequest request, StreamObserver<ScheduledUpgrade> response) {
    answer(request, scheduled, response);
  }

  /** The last request of that type. */
  <T extends Message> T last(Class<T> type) {
    for (int i = requests.size() - 1; i >= 0; i--) {
      if (type.isInstance(requests.get(i))) {
        return type.cast(requests.get(i));
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " among " + requests);
  }

  private <T> void answer(Message request, T answer, StreamObserver<T> response) {
    requests.add(request);
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return;
    }
    response.onNext(answer);
    response.onCompleted();
  }
}
