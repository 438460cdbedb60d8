package dev.molt.kexec.livepatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LivepatchDriverTest {
    static final String RUNNING = "6.1.0-56-amd64";
    static final TransitionPolicy POLICY = new TransitionPolicy(Duration.ofMillis(250), Duration.ofSeconds(3),
            Duration.ofSeconds(20), Duration.ofSeconds(20), false);

    @TempDir
    Path dir;

    FakeSignals signals = new FakeSignals();
    FakeTicker ticker = new FakeTicker();
    FakeModuleLoader loader = new FakeModuleLoader();

    @Test
    void aModuleBuiltForAnotherKernelIsRefusedBeforeAnythingIsLoaded() {
        FakeKernel kernel = new FakeKernel(dir, RUNNING);
        Path ko = ElfModules.livepatch(dir, "molt_lp_cmdline_a", "6.1.0-50-amd64");

        assertThatThrownBy(() -> kernel.driver(signals, loader, ticker).apply(ko, POLICY, TransitionListener.NONE))
                .isInstanceOf(LivepatchException.class)
                .hasMessageContaining("built for kernel 6.1.0-50-amd64")
                .hasMessageContaining("this kernel is 6.1.0-56-amd64")
                .hasMessageContaining("nothing was loaded")
                .extracting(e -> ((LivepatchException) e).reason()).isEqualTo(LivepatchException.Reason.WRONG_KERNEL);
        assertThat(loader.loaded).isEmpty();
    }

    @Test
    void anOrdinaryModuleIsRefused() {
        FakeKernel kernel = new FakeKernel(dir, RUNNING);
        Path ko = ElfModules.write(dir.resolve("plain.ko"), java.util.List.of("name=plain", "vermagic=" + RUNNING + " SMP"));

        assertThatThrownBy(() -> kernel.driver(signals, loader, ticker).apply(ko, POLICY, TransitionListener.NONE))
                .extracting(e -> ((LivepatchException) e).reason()).isEqualTo(LivepatchException.Reason.NOT_A_LIVEPATCH);
        assertThat(loader.loaded).isEmpty();
    }

    @Test
    void aKernelWithoutLivepatchIsRefused() {
        FakeKernel kernel = new FakeKernel(dir, RUNNING);
        kernel.removePatch("");  // removes the whole livepatch directory
        Path ko = ElfModules.livepatch(dir, "p", RUNNING);

        assertThatThrownBy(() -> kernel.driver(signals, loader, ticker).check(ko))
                .extracting(e -> ((LivepatchException) e).reason()).isEqualTo(LivepatchException.Reason.NOT_SUPPORTED);
    }

    @Test
    void anotherTransitionOrTheSameNameLoadedRefusesTheApply() {
        FakeKernel kernel = new FakeKernel(dir, RUNNING).addPatch("busy", true, true, "vmlinux");
        Path ko = ElfModules.livepatch(dir, "p", RUNNING);
        assertThatThrownBy(() -> kernel.driver(signals, loader, ticker).check(ko))
                .hasMessageContaining("busy is in transition")
                .extracting(e -> ((LivepatchException) e).reason()).isEqualTo(LivepatchException.Reason.BUSY);

        kernel.setTransition("busy", false);
        kernel.addPatch("p", true, false, "vmlinux");
        assertThatThrownBy(() -> kernel.driver(signals, loader, ticker).check(ko))
                .extracting(e -> ((LivepatchException) e).reason()).isEqualTo(LivepatchException.Reason.ALREADY_APPLIED);
    }

    @Test
    void anAtomicReplaceUnloadsThePatchesItReplaced() throws Exception {
        FakeKernel kernel = new FakeKernel(dir, RUNNING).addPatch("molt_lp_cmdline_a", true, false, "vmlinux");
        loader.onLoad(info -> {
            // The kernel: B enabled, transition done at once, A disabled and freed by the replace.
            kernel.addPatch(info.name(), true, false, "vmlinux");
            kernel.removePatch("molt_lp_cmdline_a");
        });

        LivepatchDriver.Applied applied = kernel.driver(signals, loader, ticker)
                .apply(ElfModules.livepatch(dir, "molt_lp_cmdline_b", RUNNING), POLICY, TransitionListener.NONE);

        assertThat(applied.transition().outcome()).isEqualTo(TransitionResult.Outcome.COMPLETED);
        assertThat(applied.replaced()).containsExactly("molt_lp_cmdline_a");
        assertThat(loader.loaded).containsExactly("molt_lp_cmdline_b");
        assertThat(loader.unloaded).containsExactly("molt_lp_cmdline_a");
        assertThat(applied.warnings()).isEmpty();
    }

    @Test
    void aReversedApplyUnloadsItsModuleOnceTheKernelFreedIt() throws Exception {
        FakeKernel kernel = new FakeKernel(dir, RUNNING)
                .addTask(300, 300, "cat", 'D', false, 0, "[<0>] molt_target_sleep_d+0x20/0x40 [molt_lp_target]");
        loader.onLoad(info -> kernel.addPatch(info.name(), true, true, "molt_lp_target"));
        ticker.onTick(ms -> {
            if (kernel.hasPatch("fix") && !kernel.enabled("fix")) {
                kernel.removePatch("fix");
            }
        });

        LivepatchDriver.Applied applied = kernel.driver(signals, loader, ticker)
                .apply(ElfModules.livepatch(dir, "fix", RUNNING), POLICY, TransitionListener.NONE);

        assertThat(applied.transition().outcome()).isEqualTo(TransitionResult.Outcome.REVERSED);
        assertThat(applied.transition().blockers()).extracting(s -> s.task().tid()).containsExactly(300);
        assertThat(loader.unloaded).containsExactly("fix");
    }

    @Test
    void revertDisablesFollowsAndUnloads() throws Exception {
        FakeKernel kernel = new FakeKernel(dir, RUNNING).addPatch("p", true, false, "vmlinux");
        ticker.onTick(ms -> kernel.removePatch("p"));
        // Disabling starts an unpatching transition that the kernel finishes at the next tick.
        LivepatchDriver driver = kernel.driver(signals, loader, ticker);
        kernel.setTransition("p", true);
        kernel.setTransition("p", false);

        TransitionResult result = driver.revert("p", POLICY, TransitionListener.NONE);

        assertThat(result.outcome()).isEqualTo(TransitionResult.Outcome.COMPLETED);
        assertThat(kernel.hasPatch("p")).isFalse();
        assertThat(loader.unloaded).containsExactly("p");
        assertThatThrownBy(() -> driver.revert("p", POLICY, TransitionListener.NONE))
                .extracting(e -> ((LivepatchException) e).reason()).isEqualTo(LivepatchException.Reason.NOT_FOUND);
    }
}
