package dev.molt.api;

import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.ListPatchOperationsRequest;
import dev.molt.api.v1.ListPatchOperationsResponse;
import dev.molt.api.v1.ListPatchesRequest;
import dev.molt.api.v1.ListPatchesResponse;
import dev.molt.api.v1.LivepatchesGrpc;
import dev.molt.api.v1.PatchProgress;
import dev.molt.api.v1.RevertPatchRequest;
import dev.molt.livepatch.Livepatcher;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/**
 * The Livepatches API. Apply and revert run in a thread of their own and stream their progress;
 * a caller that goes away does not stop them (they are journaled: ListPatchOperations shows how
 * they ended).
 */
public final class LivepatchesService extends LivepatchesGrpc.LivepatchesImplBase {
    private final Livepatcher livepatcher;
    private final dev.molt.policy.UpgradePolicy policy;

    public LivepatchesService(Livepatcher livepatcher) {
        this(livepatcher, dev.molt.policy.UpgradePolicy.permissive());
    }

    public LivepatchesService(Livepatcher livepatcher, dev.molt.policy.UpgradePolicy policy) {
        this.livepatcher = livepatcher;
        this.policy = policy;
    }

    @Override
    public void applyPatch(ApplyPatchRequest request, StreamObserver<PatchProgress> out) {
        stream(out, progress -> {
            if (policy.livepatch() == dev.molt.policy.UpgradePolicy.Livepatch.NEVER) {
                throw new dev.molt.upgrade.UpgradeException.FailedPrecondition(dev.molt.policy.UpgradePolicy.VIOLATION,
                        "policy.livepatch", "policy.livepatch = never: this host takes kernel changes by full upgrade only"
                                + " (molt upgrade); change the policy in moltd.conf to apply livepatches");
            }
            livepatcher.apply(request, progress);
        });
    }

    @Override
    public void revertPatch(RevertPatchRequest request, StreamObserver<PatchProgress> out) {
        stream(out, progress -> livepatcher.revert(request, progress));
    }

    @Override
    public void listPatches(ListPatchesRequest request, StreamObserver<ListPatchesResponse> out) {
        try {
            var driver = livepatcher.driver();
            out.onNext(ListPatchesResponse.newBuilder().addAllPatches(livepatcher.list())
                    .setRunningRelease(driver.runningRelease()).setSupported(driver.supported()).build());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
        }
    }

    @Override
    public void listPatchOperations(ListPatchOperationsRequest request, StreamObserver<ListPatchOperationsResponse> out) {
        try {
            out.onNext(ListPatchOperationsResponse.newBuilder().addAllOperations(livepatcher.operations(request.getLimit())).build());
            out.onCompleted();
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
        }
    }

    @FunctionalInterface
    private interface Operation {
        void run(Consumer<PatchProgress> progress) throws InterruptedException;
    }

    private static void stream(StreamObserver<PatchProgress> out, Operation operation) {
        ServerCallStreamObserver<PatchProgress> call = (ServerCallStreamObserver<PatchProgress>) out;
        Object lock = new Object();
        Consumer<PatchProgress> progress = p -> {
            synchronized (lock) {
                if (!call.isCancelled()) {
                    call.onNext(p);
                }
            }
        };
        Thread.ofPlatform().name("livepatch-operation").start(() -> {
            try {
                operation.run(progress);
                synchronized (lock) {
                    if (!call.isCancelled()) {
                        call.onCompleted();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                synchronized (lock) {
                    if (!call.isCancelled()) {
                        call.onError(Errors.toStatus(e));
                    }
                }
            }
        });
    }
}
