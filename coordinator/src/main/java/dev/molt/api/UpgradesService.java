package dev.molt.api;

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
import dev.molt.policy.Admission;
import dev.molt.upgrade.EventHub;
import dev.molt.upgrade.UpgradeException;
import dev.molt.upgrade.UpgradeState;
import dev.molt.upgrade.Upgrader;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The Upgrades API: maps requests onto the {@link Upgrader} and failures onto status codes. */
public final class UpgradesService extends UpgradesGrpc.UpgradesImplBase {
    private final Upgrader upgrader;
    private final EventHub hub;
    private final dev.molt.plan.ChangePlans plans;
    private final Admission admission;

    public UpgradesService(Upgrader upgrader, EventHub hub, dev.molt.plan.ChangePlans plans) {
        this(upgrader, hub, plans, Admission.open());
    }

    public UpgradesService(Upgrader upgrader, EventHub hub, dev.molt.plan.ChangePlans plans, Admission admission) {
        this.upgrader = upgrader;
        this.hub = hub;
        this.plans = plans;
        this.admission = admission;
    }

    /**
     * With a target release, livepatch or full upgrade first (ChangePlans); else the upgrade's plan.
     * A request without workloads plans the configured ones.
     */
    @Override
    public void plan(PlanRequest request, StreamObserver<UpgradePlan> out) {
        unary(out, () -> plans.plan(request.toBuilder().setSpec(admission.complete(request.getSpec())).build()));
    }

    /**
     * A repeated request id returns its upgrade even where the policy would now refuse it; a new
     * one must pass the policy, and without workloads protects the configured ones.
     */
    @Override
    public void startUpgrade(StartUpgradeRequest request, StreamObserver<Upgrade> out) {
        unary(out, () -> {
            var earlier = request.getRequestId().isBlank() ? java.util.Optional.<Upgrade>empty()
                    : upgrader.byRequestId(request.getRequestId());
            if (earlier.isPresent()) {
                return earlier.get();
            }
            return upgrader.start(request.getRequestId(), admission.admitDirectStart(request.getSpec()));
        });
    }

    @Override
    public void getUpgrade(GetUpgradeRequest request, StreamObserver<Upgrade> out) {
        unary(out, () -> upgrader.get(requireId(request.getUpgradeId())));
    }

    @Override
    public void cancelUpgrade(CancelUpgradeRequest request, StreamObserver<Upgrade> out) {
        unary(out, () -> upgrader.cancel(requireId(request.getUpgradeId()), request.getReason()));
    }

    @Override
    public void listUpgrades(ListUpgradesRequest request, StreamObserver<ListUpgradesResponse> out) {
        unary(out, () -> ListUpgradesResponse.newBuilder().addAllUpgrades(upgrader.list(request.getLimit())).build());
    }

    /**
     * Journaled events first (a reconnecting client misses nothing), then live ones. Subscribing
     * before reading the journal, and skipping what was already sent, closes the gap between the two.
     */
    @Override
    public void watchUpgrade(WatchUpgradeRequest request, StreamObserver<UpgradeEvent> out) {
        ServerCallStreamObserver<UpgradeEvent> call = (ServerCallStreamObserver<UpgradeEvent>) out;
        String id;
        try {
            id = requireId(request.getUpgradeId());
            upgrader.get(id);
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        BlockingQueue<UpgradeEvent> live = new LinkedBlockingQueue<>();
        AutoCloseable subscription = hub.subscribe(id, live::add);
        Thread.ofVirtual().name("watch-" + id).start(() -> {
            try (subscription) {
                long last = request.getAfterSequence();
                for (UpgradeEvent e : upgrader.journaledEvents(id, last)) {
                    out.onNext(e);
                    last = e.getSequence();
                    if (isFinal(e)) {
                        out.onCompleted();
                        return;
                    }
                }
                while (!call.isCancelled()) {
                    UpgradeEvent e = live.poll(1, TimeUnit.SECONDS);
                    if (e == null || e.getSequence() < last) {
                        continue;
                    }
                    boolean transition = e.getSequence() > last;
                    if (transition && e.getSequence() > last + 1) {
                        // A transition we have not seen came between reading the journal and now.
                        for (UpgradeEvent missed : upgrader.journaledEvents(id, last)) {
                            if (missed.getSequence() < e.getSequence()) {
                                out.onNext(missed);
                            }
                        }
                    }
                    out.onNext(e);
                    last = e.getSequence();
                    if (transition && isFinal(e)) {
                        out.onCompleted();
                        return;
                    }
                }
            } catch (Exception e) {
                if (!call.isCancelled()) {
                    out.onError(Errors.toStatus(e));
                }
            }
        });
    }

    private static boolean isFinal(UpgradeEvent e) {
        return UpgradeState.fromProto(e.getState(), "").isFinal();
    }

    static String requireId(String id) {
        if (id.isBlank()) {
            throw new UpgradeException.InvalidArgument("upgrade_id", "required");
        }
        if (id.length() > 128) {
            throw new UpgradeException.InvalidArgument("upgrade_id", "longer than 128 characters");
        }
        return id;
    }

    static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            if (!gaveUp(out)) {
                out.onError(Errors.toStatus(e));
            }
            return;
        }
        if (gaveUp(out)) {
            // A change that ran on after its caller's deadline (ApiGate detaches them): done, and
            // nobody to tell; the caller finds the result by listing.
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    private static boolean gaveUp(StreamObserver<?> out) {
        return out instanceof ServerCallStreamObserver<?> call && call.isCancelled();
    }
}
