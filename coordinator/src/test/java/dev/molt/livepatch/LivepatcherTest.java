package dev.molt.livepatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.LivepatchFallback;
import dev.molt.api.v1.PatchOperation;
import dev.molt.api.v1.PatchOperationKind;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.api.v1.PatchPhase;
import dev.molt.api.v1.PatchProgress;
import dev.molt.api.v1.RevertPatchRequest;
import dev.molt.api.v1.TransitionOptions;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.store.MoltStore;
import dev.molt.upgrade.UpgradeException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LivepatcherTest {
    static final TransitionOptions QUICK = TransitionOptions.newBuilder().setGraceMillis(2000).setTimeoutMillis(10_000).build();
    static final UpgradeSpec FALLBACK = UpgradeSpec.newBuilder().addWorkloads(Workload.newBuilder().setPid(4242)).build();

    @TempDir
    Path dir;

    MoltStore store;
    FakeLivepatchKernel kernel;
    final List<PatchProgress> progress = new ArrayList<>();
    final List<String> upgradesStarted = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        store = MoltStore.open(dir.resolve("store"));
        kernel = new FakeLivepatchKernel(dir.resolve("kernel"));
    }

    @AfterEach
    void close() {
        store.close();
    }

    Livepatcher livepatcher() {
        return new Livepatcher(kernel.driver(), new LivepatchJournal(store.journal(), Clock.systemUTC()),
                (requestId, spec) -> {
                    upgradesStarted.add(requestId);
                    return Upgrade.newBuilder().setId("u-fallback").setRequestId(requestId).setSpec(spec).build();
                }, Optional::empty);
    }

    @Test
    void anApplyIsJournaledStepByStepAndEndsCompleted() throws Exception {
        Path ko = kernel.module("molt_lp_cmdline_a", FakeLivepatchKernel.RUNNING);

        PatchOperation op = livepatcher().apply(ApplyPatchRequest.newBuilder().setModulePath(ko.toString()).build(), progress::add);

        assertThat(op.getState()).isEqualTo(PatchOperationState.PATCH_COMPLETED);
        assertThat(op.getMessage()).contains("molt_lp_cmdline_a is live");
        assertThat(op.getModuleRelease()).isEqualTo(FakeLivepatchKernel.RUNNING);
        assertThat(progress).extracting(PatchProgress::getPhase).startsWith(PatchPhase.PHASE_LOADING)
                .endsWith(PatchPhase.PHASE_ENDED);
        assertThat(livepatcher().operations(10)).singleElement().satisfies(o -> {
            assertThat(o.getId()).isEqualTo(op.getId());
            assertThat(o.getState()).isEqualTo(PatchOperationState.PATCH_COMPLETED);
        });
        assertThat(new LivepatchJournal(store.journal(), Clock.systemUTC()).active()).as("an ended operation is not active").isEmpty();
        assertThat(livepatcher().list()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("molt_lp_cmdline_a");
            assertThat(p.getModulePath()).isEqualTo(ko.toString());
            assertThat(p.getReplace()).isEqualTo("unknown");
            assertThat(p.getObjects(0).getFunctionsList()).containsExactly("cmdline_proc_show,1");
        });
    }

    @Test
    void aModuleForAnotherKernelIsRefusedBeforeAnythingIsLoadedOrJournaled() {
        Path ko = kernel.module("molt_lp_cmdline_a", "6.1.0-50-amd64");

        assertThatThrownBy(() -> livepatcher().apply(ApplyPatchRequest.newBuilder().setModulePath(ko.toString()).build(), progress::add))
                .isInstanceOf(UpgradeException.FailedPrecondition.class)
                .hasMessageContaining("built for kernel 6.1.0-50-amd64").hasMessageContaining("nothing was loaded");
        assertThat(kernel.loaded).isEmpty();
        assertThat(livepatcher().operations(10)).isEmpty();
    }

    @Test
    void aReversedApplyStartsTheFallbackUpgradeWhenThePolicySaysSo() throws Exception {
        kernel.addSleeper(300, 0, "molt_target_sleep_d");
        kernel.onLoad(info -> kernel.addPatch(info.name(), true, true))
                .onTick(() -> {
                    if (kernel.has("molt_lp_target_fix") && !kernel.enabled("molt_lp_target_fix")) {
                        kernel.removePatch("molt_lp_target_fix");
                    }
                });
        Path ko = kernel.module("molt_lp_target_fix", FakeLivepatchKernel.RUNNING);

        PatchOperation op = livepatcher().apply(ApplyPatchRequest.newBuilder().setModulePath(ko.toString()).setTransition(QUICK)
                .setOnFailure(LivepatchFallback.LIVEPATCH_FALLBACK_UPGRADE).setFallbackUpgrade(FALLBACK).build(), progress::add);

        assertThat(op.getState()).isEqualTo(PatchOperationState.PATCH_REVERSED);
        assertThat(op.getBlockersList()).singleElement().satisfies(s -> {
            assertThat(s.getPid()).isEqualTo(300);
            assertThat(s.getState()).isEqualTo("D");
            assertThat(s.getStack()).contains("molt_target_sleep_d");
        });
        assertThat(op.getMessage()).contains("was reversed").contains("pid 300 'cat' state D").contains("falling back to the full upgrade u-fallback");
        assertThat(op.getFallbackUpgradeId()).isEqualTo("u-fallback");
        assertThat(upgradesStarted).containsExactly("livepatch-fallback/" + op.getId());
        assertThat(kernel.unloaded).containsExactly("molt_lp_target_fix");
        assertThat(progress).extracting(PatchProgress::getPhase).contains(PatchPhase.PHASE_BLOCKED);
    }

    @Test
    void withoutTheFallbackPolicyAReversedApplyStartsNothing() throws Exception {
        kernel.addSleeper(300, 0, "molt_target_sleep_d");
        kernel.onLoad(info -> kernel.addPatch(info.name(), true, true))
                .onTick(() -> {
                    if (kernel.has("fix") && !kernel.enabled("fix")) {
                        kernel.removePatch("fix");
                    }
                });

        PatchOperation op = livepatcher().apply(ApplyPatchRequest.newBuilder()
                .setModulePath(kernel.module("fix", FakeLivepatchKernel.RUNNING).toString()).setTransition(QUICK).build(), progress::add);

        assertThat(op.getState()).isEqualTo(PatchOperationState.PATCH_REVERSED);
        assertThat(upgradesStarted).isEmpty();
    }

    @Test
    void aRestartedDaemonFollowsTheJournaledTransitionToItsEnd() throws Exception {
        // A daemon journaled the apply and the kernel started the transition; then the daemon died.
        kernel.addPatch("fix", true, true);
        kernel.addSleeper(300, 0, "molt_target_sleep_d");
        LivepatchJournal journal = new LivepatchJournal(store.journal(), Clock.systemUTC());
        PatchOperation loading = journal.create(PatchOperation.newBuilder().setKind(PatchOperationKind.PATCH_APPLY)
                .setState(PatchOperationState.PATCH_LOADING).setPatch("fix").setModulePath("/lp/fix.ko").setTransition(QUICK));
        journal.transition(loading, PatchOperationState.PATCH_TRANSITION, "patching", b -> { });
        // The sleeper wakes a second later and the transition completes.
        kernel.onTick(() -> {
            kernel.removeTask(300);
            kernel.setTransition("fix", false);
        });

        Optional<PatchOperation> resumed = livepatcher().resumeActive(progress::add);

        assertThat(resumed).hasValueSatisfying(op -> {
            assertThat(op.getId()).isEqualTo(loading.getId());
            assertThat(op.getState()).isEqualTo(PatchOperationState.PATCH_COMPLETED);
            assertThat(op.getMessage()).contains("fix is live").contains("followed again after a daemon restart");
        });
        assertThat(journal.active()).isEmpty();
        assertThat(livepatcher().resumeActive(progress::add)).as("nothing left to resume").isEmpty();
    }

    @Test
    void aRestartBeforeTheLoadEndsTheOperationFailedAndSaysSo() throws Exception {
        LivepatchJournal journal = new LivepatchJournal(store.journal(), Clock.systemUTC());
        journal.create(PatchOperation.newBuilder().setKind(PatchOperationKind.PATCH_APPLY)
                .setState(PatchOperationState.PATCH_LOADING).setPatch("fix").setModulePath("/lp/fix.ko"));

        PatchOperation op = livepatcher().resumeActive(progress::add).orElseThrow();

        assertThat(op.getState()).isEqualTo(PatchOperationState.PATCH_FAILED);
        assertThat(op.getMessage()).contains("the daemon restarted during PATCH_LOADING").contains("apply it again");
    }

    @Test
    void revertUnpatchesUnloadsAndIsJournaled() throws Exception {
        kernel.addPatch("molt_lp_cmdline_a", true, false);
        kernel.onTick(() -> {
            if (kernel.has("molt_lp_cmdline_a") && !kernel.enabled("molt_lp_cmdline_a")) {
                kernel.removePatch("molt_lp_cmdline_a");
            }
        });

        PatchOperation op = livepatcher().revert(RevertPatchRequest.newBuilder().setName("molt_lp_cmdline_a").build(), progress::add);

        assertThat(op.getKind()).isEqualTo(PatchOperationKind.PATCH_REVERT);
        assertThat(op.getState()).isEqualTo(PatchOperationState.PATCH_COMPLETED);
        assertThat(kernel.unloaded).containsExactly("molt_lp_cmdline_a");
        assertThatThrownBy(() -> livepatcher().revert(RevertPatchRequest.newBuilder().setName("molt_lp_cmdline_a").build(), progress::add))
                .isInstanceOf(UpgradeException.NotFound.class);
    }

    @Test
    void badRequestsAreRefused() {
        assertThatThrownBy(() -> livepatcher().apply(ApplyPatchRequest.getDefaultInstance(), progress::add))
                .isInstanceOf(UpgradeException.InvalidArgument.class);
        assertThatThrownBy(() -> livepatcher().apply(ApplyPatchRequest.newBuilder().setModulePath("relative.ko").build(), progress::add))
                .hasMessageContaining("relative");
        assertThatThrownBy(() -> livepatcher().apply(ApplyPatchRequest.newBuilder().setModulePath("/no/such.ko").build(), progress::add))
                .isInstanceOf(UpgradeException.NotFound.class);
        Path ko = kernel.module("fix", FakeLivepatchKernel.RUNNING);
        assertThatThrownBy(() -> livepatcher().apply(ApplyPatchRequest.newBuilder().setModulePath(ko.toString())
                .setOnFailure(LivepatchFallback.LIVEPATCH_FALLBACK_UPGRADE).build(), progress::add))
                .hasMessageContaining("fallback_upgrade");
    }
}
