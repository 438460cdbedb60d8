package dev.molt.criu.nativeio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The FFM layer: SEQPACKET pairs and posix_spawn with an fd at 3, on real fds and processes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SpawnAndSocketTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Path SH = Path.of("/bin/sh");

    @TempDir
    Path dir;

    @Test
    void a_seqpacket_pair_keeps_message_boundaries() throws Exception {
        try (SeqpacketSocket.Pair pair = SeqpacketSocket.pair()) {
            pair.local().send("one".getBytes(StandardCharsets.UTF_8));
            pair.local().send("two, longer".getBytes(StandardCharsets.UTF_8));

            assertThat(pair.remote().receive(WAIT)).map(String::new).contains("one");
            assertThat(pair.remote().receive(WAIT)).map(String::new).contains("two, longer");
        }
    }

    @Test
    void a_message_larger_than_the_buffer_is_reported_as_truncated_not_cut_silently() throws Exception {
        try (SeqpacketSocket.Pair pair = SeqpacketSocket.pair()) {
            pair.local().send(new byte[100]);

            assertThatThrownBy(() -> pair.remote().receive(WAIT, 10))
                    .isInstanceOf(SeqpacketSocket.MessageTruncatedException.class)
                    .hasMessageContaining("100-byte message")
                    .hasMessageContaining("10-byte buffer");
        }
    }

    @Test
    void receive_returns_empty_at_eof_and_times_out_when_nothing_comes() throws Exception {
        try (SeqpacketSocket.Pair pair = SeqpacketSocket.pair()) {
            assertThatThrownBy(() -> pair.remote().receive(Duration.ofMillis(50)))
                    .isInstanceOf(SocketTimeoutException.class);

            pair.local().close();

            assertThat(pair.remote().receive(WAIT)).isEmpty();
        }
    }

    @Test
    void a_spawned_child_gets_its_end_at_fd_3_and_no_other_fd_of_ours() throws Exception {
        Path listing = dir.resolve("fds");
        try (SeqpacketSocket.Pair pair = SeqpacketSocket.pair();
                ChildProcess child = Spawn.spawn(new Spawn.Request(SH,
                        List.of("sh", "-c", "ls /proc/self/fd > " + listing + "; printf hello >&3"),
                        Map.of("PATH", "/usr/bin:/bin"),
                        Map.of(3, pair.remote().fd()),
                        Optional.of(dir.resolve("out"))))) {
            pair.remote().close();

            assertThat(pair.local().receive(WAIT)).map(String::new).contains("hello");
            assertThat(child.waitFor(WAIT)).map(ExitStatus::success).contains(true);
            // 0-3, plus the directory fd ls itself opens to list them.
            List<Integer> fds = Arrays.stream(Files.readString(listing).split("\\s+"))
                    .filter(s -> !s.isEmpty()).map(Integer::valueOf).toList();
            assertThat(fds).contains(0, 1, 2, 3).hasSizeLessThanOrEqualTo(5);
        }
    }

    @Test
    void a_child_is_reaped_with_its_exit_code_or_killed_and_reaped() throws Exception {
        try (ChildProcess exits = Spawn.spawn(request("exit 7"));
                ChildProcess sleeps = Spawn.spawn(request("exec sleep 100"))) {
            assertThat(exits.waitFor(WAIT)).map(ExitStatus::exitCode).contains(7);
            assertThat(sleeps.waitFor(Duration.ofMillis(50))).isEmpty();

            ExitStatus killed = sleeps.killAndReap();

            assertThat(killed.signal()).isEqualTo(Posix.SIGKILL);
            assertThat(Files.exists(Path.of("/proc", Integer.toString(sleeps.pid())))).as("reaped").isFalse();
        }
    }

    @Test
    void spawning_a_missing_program_fails_with_its_errno() {
        assertThatThrownBy(() -> Spawn.spawn(new Spawn.Request(dir.resolve("missing"), List.of("missing"), Map.of(),
                        Map.of(), Optional.empty())))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(2))
                .hasMessageContaining("No such file or directory");
    }

    @Test
    void fds_below_3_cannot_be_handed_over() {
        assertThatThrownBy(() -> new Spawn.Request(SH, List.of("sh"), Map.of(), Map.of(2, 10), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fd 2");
    }

    private Spawn.Request request(String script) {
        return new Spawn.Request(SH, List.of("sh", "-c", script), Map.of("PATH", "/usr/bin:/bin"), Map.of(),
                Optional.of(dir.resolve("out")));
    }
}
