package dev.molt.livepatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.LivepatchesService;
import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.ListPatchOperationsRequest;
import dev.molt.api.v1.ListPatchesRequest;
import dev.molt.api.v1.ListPatchesResponse;
import dev.molt.api.v1.LivepatchesGrpc;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.api.v1.PatchPhase;
import dev.molt.api.v1.PatchProgress;
import dev.molt.api.v1.RevertPatchRequest;
import dev.molt.store.MoltStore;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Livepatches API in-process over the real Livepatcher, its journal and a fake kernel tree. */
class LivepatchesServiceTest {
    @TempDir
    Path dir;

    MoltStore store;
    FakeLivepatchKernel kernel;
    Server server;
    ManagedChannel channel;
    LivepatchesGrpc.LivepatchesBlockingStub stub;

    @BeforeEach
    void start() throws Exception {
        store = MoltStore.open(dir.resolve("store"));
        kernel = new FakeLivepatchKernel(dir.resolve("kernel"));
        kernel.onTick(() -> {
            for (String name : List.of("molt_lp_cmdline_a")) {
                if (kernel.has(name) && !kernel.enabled(name)) {
                    kernel.removePatch(name);
                }
            }
        });
        Livepatcher livepatcher = new Livepatcher(kernel.driver(), new LivepatchJournal(store.journal(), Clock.systemUTC()),
                (id, spec) -> { throw new AssertionError("no upgrade expected"); }, Optional::empty);
        String name = "livepatches-" + UUID.randomUUID();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new LivepatchesService(livepatcher)).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        stub = LivepatchesGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        store.close();
    }

    static List<PatchProgress> drain(java.util.Iterator<PatchProgress> stream) {
        List<PatchProgress> all = new ArrayList<>();
        stream.forEachRemaining(all::add);
        return all;
    }

    @Test
    void applyStreamsProgressAndEndsWithTheJournaledOperation() {
        Path ko = kernel.module("molt_lp_cmdline_a", FakeLivepatchKernel.RUNNING);

        List<PatchProgress> progress = drain(stub.applyPatch(ApplyPatchRequest.newBuilder().setModulePath(ko.toString()).build()));

        assertThat(progress).extracting(PatchProgress::getPhase)
                .containsExactly(PatchPhase.PHASE_LOADING, PatchPhase.PHASE_PATCHING, PatchPhase.PHASE_ENDED);
        assertThat(progress.getLast().getOperation().getState()).isEqualTo(PatchOperationState.PATCH_COMPLETED);
    }

    @Test
    void applyOfAModuleForAnotherKernelIsFailedPrecondition() {
        Path ko = kernel.module("molt_lp_cmdline_a", "6.1.0-50-amd64");

        assertThatThrownBy(() -> drain(stub.applyPatch(ApplyPatchRequest.newBuilder().setModulePath(ko.toString()).build())))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("built for kernel 6.1.0-50-amd64");
                });
    }

    @Test
    void listShowsTheLoadedPatchesAndTheRunningKernel() {
        kernel.addPatch("molt_lp_cmdline_a", true, false);

        ListPatchesResponse list = stub.listPatches(ListPatchesRequest.getDefaultInstance());

        assertThat(list.getRunningRelease()).isEqualTo(FakeLivepatchKernel.RUNNING);
        assertThat(list.getSupported()).isTrue();
        assertThat(list.getPatchesList()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("molt_lp_cmdline_a");
            assertThat(p.getObjects(0).getName()).isEqualTo("vmlinux");
        });
    }

    @Test
    void listOnAKernelWithoutLivepatchSaysSo() throws Exception {
        kernel.removePatch("");  // the whole /sys/kernel/livepatch directory

        ListPatchesResponse list = stub.listPatches(ListPatchesRequest.getDefaultInstance());

        assertThat(list.getSupported()).isFalse();
        assertThat(list.getPatchesList()).isEmpty();
    }

    @Test
    void revertStreamsAndListsTheOperation() {
        kernel.addPatch("molt_lp_cmdline_a", true, false);

        List<PatchProgress> progress = drain(stub.revertPatch(RevertPatchRequest.newBuilder().setName("molt_lp_cmdline_a").build()));

        assertThat(progress.getLast().getOperation().getState()).isEqualTo(PatchOperationState.PATCH_COMPLETED);
        assertThat(stub.listPatchOperations(ListPatchOperationsRequest.getDefaultInstance()).getOperationsList())
                .extracting(o -> o.getPatch() + " " + o.getState()).containsExactly("molt_lp_cmdline_a PATCH_COMPLETED");
    }

    @Test
    void revertOfAnUnknownPatchIsNotFoundAndWithoutANameInvalidArgument() {
        assertThatThrownBy(() -> drain(stub.revertPatch(RevertPatchRequest.newBuilder().setName("nope").build())))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> drain(stub.revertPatch(RevertPatchRequest.getDefaultInstance())))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void listPatchOperationsIsEmptyOnAFreshStore() {
        assertThat(stub.listPatchOperations(ListPatchOperationsRequest.getDefaultInstance()).getOperationsList()).isEmpty();
    }
}
