package dev.molt.cli;

import com.google.protobuf.Message;
import dev.molt.api.v1.CreateSnapshotRequest;
import dev.molt.api.v1.DeleteSnapshotRequest;
import dev.molt.api.v1.DeleteSnapshotResponse;
import dev.molt.api.v1.ListSnapshotsRequest;
import dev.molt.api.v1.ListSnapshotsResponse;
import dev.molt.api.v1.RestoreSnapshotRequest;
import dev.molt.api.v1.RestoreSnapshotResponse;
import dev.molt.api.v1.Snapshot;
import dev.molt.api.v1.SnapshotsGrpc;
import dev.molt.api.v1.VerifySnapshotRequest;
import dev.molt.api.v1.VerifySnapshotResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Snapshots for CLI tests: set answers, every request recorded, or a set Status for every call. */
final class FakeSnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
  volatile Snapshot created = Snapshot.getDefaultInstance();
  volatile List<Snapshot> snapshots = List.of();
  volatile VerifySnapshotResponse verification = VerifySnapshotResponse.getDefaultInstance();
  volatile RestoreSnapshotResponse restored = RestoreSnapshotResponse.getDefaultInstance();
  volatile Status failure;
  volatile Deadline lastDeadline;
  final List<Message> requests = new CopyOnWriteArrayList<>();

  @Override
  public void createSnapshot(CreateSnapshotRequest request, StreamObserver<Snapshot> response) {
    answer(request, created, response);
  }

  @Override
  public void listSnapshots(
      ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> response) {
    answer(request, ListSnapshotsResponse.newBuilder().addAllSnapshots(snapshots).build(), response);
  }

  @Override
  public void verifySnapshot(
      VerifySnapshotRequest request, StreamObserver<VerifySnapshotResponse> response) {
    answer(request, verification, response);
  }

  @Override
  public void restoreSnapshot(
      RestoreSnapshotRequest request, StreamObserver<RestoreSnapshotResponse> response) {
    answer(request, restored, response);
  }

  @Override
  public void deleteSnapshot(
      DeleteSnapshotRequest request, StreamObserver<DeleteSnapshotResponse> response) {
    answer(request, DeleteSnapshotResponse.getDefaultInstance(), response);
  }

  /** The last request of type {@code type}. */
  <T extends Message> T last(Class<T> type) {
    for (int i = requests.size() - 1; i >= 0; i--) {
      if (type.isInstance(requests.get(i))) {
        return type.cast(requests.get(i));
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " was received; got " + requests);
  }

  private <T> void answer(Message request, T answer, StreamObserver<T> response) {
    requests.add(request);
    lastDeadline = Context.current().getDeadline();
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return;
    }
    response.onNext(answer);
    response.onCompleted();
  }
}
