package dev.molt.cli;

import dev.molt.api.v1.GetStatusRequest;
import dev.molt.api.v1.HostGrpc;
import dev.molt.api.v1.HostStatus;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** Host for CLI tests: answers a set HostStatus, or fails with a set Status. */
final class FakeHostService extends HostGrpc.HostImplBase {
  volatile HostStatus status = HostStatus.getDefaultInstance();
  volatile Status failure;
  volatile Deadline lastDeadline;
  volatile int calls;
  /** Never answer: the call ends at its deadline. */
  volatile boolean silent;

  @Override
  public void getStatus(GetStatusRequest request, StreamObserver<HostStatus> response) {
    calls++;
    lastDeadline = Context.current().getDeadline();
    if (silent) {
      return;
    }
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return;
    }
    response.onNext(status);
    response.onCompleted();
  }
}
