package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.criu.rpc.CriuRpc.criu_features;
import dev.molt.criu.rpc.CriuRpc.criu_opts;
import dev.molt.criu.testing.TestTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The swrk RPC client against the real CRIU 4.2.1 (installed by scripts/install-deps.sh). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CriuClientTest {

    @TempDir
    Path dir;

    private final CriuClient client = new CriuClient(requireCriu());

    /** Fails loudly (never skips) when CRIU is missing. */
    static CriuBinary requireCriu() {
        try {
            return CriuBinary.locate();
        } catch (CriuException.Unavailable e) {
            throw new AssertionError("these tests need CRIU 4.2.1: " + e.getMessage(), e);
        }
    }

    @Test
    void version_is_asked_once_and_cached() throws Exception {
        // A wrapper that stops working after the first call proves the second answer is cached.
        Path wrapper = dir.resolve("criu-once");
        Files.writeString(wrapper, "#!/bin/sh\nexec '" + requireCriu().path() + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        CriuClient once = new CriuClient(new CriuBinary(wrapper));

        CriuVersion first = once.version();
        Files.delete(wrapper);
        CriuVersion second = once.version();

        assertThat(first).isEqualTo(CriuVersion.parse("4.2.1"));
        assertThat(second).isSameAs(first);
        assertThat(first.code()).isEqualTo(40201);
    }

    @Test
    void any_request_primes_the_version_cache_in_the_same_session() throws Exception {
        assertThat(client.cachedVersion()).isEmpty();

        client.check(dir);

        assertThat(client.cachedVersion()).contains(CriuVersion.parse("4.2.1"));
    }

    @Test
    void check_passes_on_this_kernel_and_logs_to_the_work_dir() throws Exception {
        client.check(dir);

        assertThat(dir.resolve("check.log")).exists();
    }

    @Test
    void feature_check_answers_for_each_feature_asked() throws Exception {
        criu_features answer = client.featureCheck(
                criu_features.newBuilder().setMemTrack(true).setLazyPages(true).setPidfdStore(true).build());

        assertThat(answer.hasMemTrack()).isTrue();
        assertThat(answer.hasLazyPages()).isTrue();
        assertThat(answer.hasPidfdStore()).isTrue();
        // FIELD-NOTES: this host's kernel has no soft-dirty tracking.
        assertThat(answer.getMemTrack()).isFalse();
    }

    @Test
    void dump_of_a_pid_that_does_not_exist_fails_with_criu_errmsg_and_log_tail_and_criu_is_reaped()
            throws Exception {
        int pid = unusedPid();
        Path images = Files.createDirectory(dir.resolve("images"));

        assertThatThrownBy(() -> client.dump(options(pid, images), dir, NotifyHandler.ACCEPT_ALL))
                .isInstanceOfSatisfying(CriuException.Failed.class, e -> {
                    assertThat(e.request()).isEqualTo("DUMP");
                    assertThat(e.logFile()).contains(dir.resolve("dump.log"));
                    assertThat(e.logTail()).isNotBlank();
                    assertThat(e.getMessage()).contains("CRIU DUMP failed").contains(e.logTail());
                });
        assertNoCriuChildLeft();
    }

    @Test
    void dump_of_a_tree_whose_session_leader_is_outside_its_pid_namespace_is_refused() throws Exception {
        // No setsid inside the namespace: the tree's session leader is this JVM's, outside it.
        try (TestTree tree = TestTree.startCommand(dir, List.of("unshare", "--pid", "--fork", "sleep", "1000"))) {
            Path images = Files.createDirectory(dir.resolve("images"));

            assertThatThrownBy(() -> client.dump(options(tree.rootPid(), images), dir, NotifyHandler.ACCEPT_ALL))
                    .isInstanceOfSatisfying(CriuException.Failed.class, e ->
                            assertThat(e.logTail()).contains("session leader"));
            assertThat(TestTree.alive(tree.rootPid())).as("CRIU leaves the tree running").isTrue();
            assertNoCriuChildLeft();
        }
    }

    @Test
    void a_dump_request_without_a_pid_is_refused_before_criu_runs() {
        // CRIU would dump its caller, this JVM.
        assertThatThrownBy(() -> client.dump(criu_opts.newBuilder().setImagesDirFd(-1), dir, NotifyHandler.ACCEPT_ALL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pid");
    }

    @Test
    void a_missing_work_dir_is_reported_with_its_path() {
        Path missing = dir.resolve("no-such-dir");

        assertThatThrownBy(() -> client.check(missing))
                .isInstanceOf(CriuException.Unavailable.class)
                .hasMessageContaining(missing.toString());
    }

    static criu_opts.Builder options(int pid, Path images) {
        return criu_opts.newBuilder().setImagesDirFd(-1).setImagesDir(images.toString()).setPid(pid)
                .setLeaveRunning(true);
    }

    /** No zombie child of this JVM, and no CRIU still running as its child. */
    static void assertNoCriuChildLeft() throws IOException {
        int self = (int) ProcessHandle.current().pid();
        for (ProcessTable.Proc child : ProcessTable.read().children(self)) {
            assertThat(child.state()).as("state of child %d", child.pid()).isNotEqualTo('Z');
            String cmdline = ProcessTable.readProcFile(Path.of("/proc", Integer.toString(child.pid()), "cmdline"));
            assertThat(cmdline).as("command line of child %d", child.pid()).doesNotContain("swrk");
        }
    }

    private static int unusedPid() throws IOException {
        int pidMax = Integer.parseInt(ProcessTable.readProcFile(Path.of("/proc/sys/kernel/pid_max")).strip());
        for (int pid = pidMax - 1; pid > 1; pid--) {
            if (!ProcessTable.exists(pid)) {
                return pid;
            }
        }
        throw new AssertionError("every pid is taken");
    }
}
