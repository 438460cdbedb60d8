package dev.molt.kexec.livepatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LivepatchSysfsTest {
    @TempDir
    Path dir;

    @Test
    void listsEachPatchWithItsFlagsAndObjects() throws Exception {
        FakeKernel kernel = new FakeKernel(dir, "6.1.0-56-amd64")
                .addPatch("molt_lp_cmdline_a", true, false, "vmlinux")
                .addPatch("molt_lp_target_fix", true, true, "molt_lp_target");
        Files.writeString(kernel.sysfs.resolve("molt_lp_cmdline_a/replace"), "1");
        LivepatchSysfs sysfs = new LivepatchSysfs(kernel.sysfs);

        assertThat(sysfs.supported()).isTrue();
        assertThat(sysfs.list()).extracting(PatchStatus::name).containsExactly("molt_lp_cmdline_a", "molt_lp_target_fix");
        PatchStatus a = sysfs.find("molt_lp_cmdline_a").orElseThrow();
        assertThat(a.enabled()).isTrue();
        assertThat(a.transition()).isFalse();
        assertThat(a.replace()).contains(true);
        assertThat(a.objects()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("vmlinux");
            assertThat(o.patched()).isTrue();
            assertThat(o.functions()).containsExactly("some_function,1");
        });
        PatchStatus fix = sysfs.find("molt_lp_target_fix").orElseThrow();
        assertThat(fix.transition()).isTrue();
        assertThat(fix.replace()).as("kernels before 6.11 have no replace file").isEmpty();
    }

    @Test
    void aVanishedPatchIsNotFoundAndWritingToItSaysSo() {
        FakeKernel kernel = new FakeKernel(dir, "6.1.0-56-amd64");
        LivepatchSysfs sysfs = new LivepatchSysfs(kernel.sysfs);

        assertThat(sysfs.find("gone")).isEmpty();
        assertThatThrownBy(() -> sysfs.setEnabled("gone", false)).isInstanceOf(LivepatchException.class)
                .hasMessageContaining("no livepatch gone is loaded");
    }

    @Test
    void aKernelWithoutLivepatchSupportListsNothing() {
        LivepatchSysfs sysfs = new LivepatchSysfs(dir.resolve("no/such/dir"));
        assertThat(sysfs.supported()).isFalse();
        assertThat(sysfs.list()).isEmpty();
    }

    @Test
    void aProcessThatCannotBeListedAnyMoreIsLeftOut() throws Exception {
        FakeKernel kernel = new FakeKernel(dir, "6.1.0-56-amd64").addTask(100, 100, "cat", 'S', false, 0, "");
        // An exiting process's task directory answers ESRCH; a file in its place fails the listing likewise.
        Files.createDirectories(kernel.proc.resolve("200"));
        Files.writeString(kernel.proc.resolve("200/task"), "");

        assertThat(new ProcTasks(kernel.proc).tasks()).extracting(ProcTasks.Task::tgid).containsExactly(100);
    }

    @Test
    void tasksCarryStateKthreadFlagAndPatchState() {
        FakeKernel kernel = new FakeKernel(dir, "6.1.0-56-amd64")
                .addTask(100, 100, "cat", 'S', false, 0, "[<0>] molt_target_sleep_s+0x91/0xd0 [molt_lp_target]\n")
                .addTask(100, 101, "cat worker", 'D', false, 1, "")
                .addTask(2, 2, "kthreadd", 'S', true, 1, "");
        ProcTasks tasks = new ProcTasks(kernel.proc);

        assertThat(tasks.tasks()).containsExactlyInAnyOrder(
                new ProcTasks.Task(100, 100, "cat", 'S', false, 0),
                new ProcTasks.Task(100, 101, "cat worker", 'D', false, 1),
                new ProcTasks.Task(2, 2, "kthreadd", 'S', true, 1));
        assertThat(tasks.stack(new ProcTasks.Task(100, 100, "cat", 'S', false, 0))).contains("molt_target_sleep_s");
    }
}
