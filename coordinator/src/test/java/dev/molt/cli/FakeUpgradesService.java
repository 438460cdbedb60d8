package dev.molt.cli;

import com.google.protobuf.Message;
import dev.molt.api.v1.CancelUpgradeRequest;
import dev.molt.api.v1.GetUpgradeRequest;
import dev.molt.api.v1.ListUpgradesRequest;
import dev.molt.api.v1.ListUpgradesResponse;
import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.StartUpgradeRequest;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.api.v1.UpgradesGrpc;
import dev.molt.api.v1.WatchUpgradeRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Upgrades for CLI tests. Answers are set by the test; every request is recorded. WatchUpgrade
 * sends the scripted events after the requested sequence, and can be told to stop sending after one
 * of them, once, leaving the stream open (for the test to break it, as a dying daemon would).
 */
final class FakeUpgradesService extends UpgradesGrpc.UpgradesImplBase {
  volatile UpgradePlan plan = UpgradePlan.getDefaultInstance();
  volatile Upgrade started = Upgrade.getDefaultInstance();
  volatile Upgrade cancelled = Upgrade.getDefaultInstance();
  volatile List<Upgrade> upgrades = List.of();
  volatile List<UpgradeEvent> events = List.of();
  volatile Status failure;
  volatile Status watchFailure;
  volatile Deadline lastDeadline;
  final List<Message> requests = new CopyOnWriteArrayList<>();

  private volatile long stallAfterSequence = -1;
  private volatile Consumer<StreamObserver<UpgradeEvent>> onStall = stream -> {};

  /**
   * On the next watch only: after sending the event with {@code sequence}, send no more events and
   * hand the stream to {@code action}, which ends it (completes it, fails it, crashes the server).
   */
  void stallOnceAfter(long sequence, Consumer<StreamObserver<UpgradeEvent>> action) {
    this.onStall = action;
    this.stallAfterSequence = sequence;
  }

  @Override
  public void plan(PlanRequest request, StreamObserver<UpgradePlan> response) {
    answer(request, plan, response);
  }

  @Override
  public void startUpgrade(StartUpgradeRequest request, StreamObserver<Upgrade> response) {
    answer(request, started, response);
  }

  @Override
  public void getUpgrade(GetUpgradeRequest request, StreamObserver<Upgrade> response) {
    requests.add(request);
    lastDeadline = Context.current().getDeadline();
    if (failure != null) {
      response.onError(failure.asRuntimeException());
      return;
    }
    upgrades.stream()
        .filter(upgrade -> upgrade.getId().equals(request.getUpgradeId()))
        .findFirst()
        .ifPresentOrElse(
            upgrade -> {
              response.onNext(upgrade);
              response.onCompleted();
            },
            () ->
                response.onError(
                    Status.NOT_FOUND
                        .withDescription("no upgrade " + request.getUpgradeId())
                        .asRuntimeException()));
  }

  @Override
  public void cancelUpgrade(CancelUpgradeRequest request, StreamObserver<Upgrade> response) {
    answer(request, cancelled, response);
  }

  @Override
  public void listUpgrades(
      ListUpgradesRequest request, StreamObserver<ListUpgradesResponse> response) {
    answer(request, ListUpgradesResponse.newBuilder().addAllUpgrades(upgrades).build(), response);
  }

  @Override
  public void watchUpgrade(WatchUpgradeRequest request, StreamObserver<UpgradeEvent> response) {
    requests.add(request);
    lastDeadline = Context.current().getDeadline();
    Status failing = watchFailure != null ? watchFailure : failure;
    if (failing != null) {
      response.onError(failing.asRuntimeException());
      return;
    }
    long stallAfter = stallAfterSequence;
    stallAfterSequence = -1;
    for (UpgradeEvent event : events) {
      if (event.getSequence() <= request.getAfterSequence()) {
        continue;
      }
      response.onNext(event);
      if (event.getSequence() == stallAfter) {
        onStall.accept(response);
        return;
      }
    }
    response.onCompleted();
  }

  /** The watch requests received, in order. */
  List<WatchUpgradeRequest> watches() {
    return requests.stream()
        .filter(WatchUpgradeRequest.class::isInstance)
        .map(WatchUpgradeRequest.class::cast)
        .toList();
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

  boolean received(Class<? extends Message> type) {
    return requests.stream().anyMatch(type::isInstance);
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
