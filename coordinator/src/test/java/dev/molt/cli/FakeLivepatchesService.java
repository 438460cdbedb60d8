package dev.molt.cli;

import com.google.protobuf.Message;
import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.ListPatchOperationsRequest;
import dev.molt.api.v1.ListPatchOperationsResponse;
import dev.molt.api.v1.ListPatchesRequest;
import dev.molt.api.v1.ListPatchesResponse;
import dev.molt.api.v1.LivepatchesGrpc;
import dev.molt.api.v1.PatchProgress;
import dev.molt.api.v1.RevertPatchRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The Livepatches API's stand-in: answers with what the test set, records the requests. */
final class FakeLivepatchesService extends LivepatchesGrpc.LivepatchesImplBase {
  volatile List<PatchProgress> applyStream = List.of();
  volatile List<PatchProgress> revertStream = List.of();
  volatile ListPatchesResponse list = ListPatchesResponse.getDefaultInstance();
  volatile ListPatchOperationsResponse operations = ListPatchOperationsResponse.getDefaultInstance();
  volatile Status failure;
  final List<Message> requests = new CopyOnWriteArrayList<>();

  @Override
  public void applyPatch(ApplyPatchRequest request, StreamObserver<PatchProgress> out) {
    stream(request, applyStream, out);
  }

  @Override
  public void revertPatch(RevertPatchRequest request, StreamObserver<PatchProgress> out) {
    stream(request, revertStream, out);
  }

  @Override
  public void listPatches(ListPatchesRequest request, StreamObserver<ListPatchesResponse> out) {
    requests.add(request);
    out.onNext(list);
    out.onCompleted();
  }

  @Override
  public void listPatchOperations(ListPatchOperationsRequest request, StreamObserver<ListPatchOperationsResponse> out) {
    requests.add(request);
    out.onNext(operations);
    out.onCompleted();
  }

  <T extends Message> T last(Class<T> type) {
    for (int i = requests.size() - 1; i >= 0; i--) {
      if (type.isInstance(requests.get(i))) {
        return type.cast(requests.get(i));
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " was received; got " + requests);
  }

  private void stream(Message request, List<PatchProgress> messages, StreamObserver<PatchProgress> out) {
    requests.add(request);
    if (failure != null) {
      out.onError(failure.asRuntimeException());
      return;
    }
    messages.forEach(out::onNext);
    out.onCompleted();
  }
}
