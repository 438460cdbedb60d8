package dev.molt.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Molt as an operator runs it: the daemon through its launcher bin/moltd (which starts it again
 * when the restart switch asks), and the CLI bin/molt as a separate process.
 */
final class Molt implements AutoCloseable {
    final Path dir;
    final Path socket;
    final Path store;
    private Process daemon;
    private int starts;

    Molt(Path dir) {
        this(dir, dir.resolve("store"));
    }

    Molt(Path dir, Path store) {
        this.dir = dir;
        this.socket = dir.resolve("molt.sock");
        this.store = store;
    }

    /** Starts moltd; {@code env} may set MOLT_CRASH_AFTER. Returns once the API answers. */
    Molt startDaemon(Map<String, String> env) throws Exception {
        starts++;
        ProcessBuilder pb = new ProcessBuilder(Tools.repoRoot().resolve("bin/moltd").toString(),
                "--store", store.toString(),
                "--staging", dir.resolve("staging").toString(),
                "--socket", socket.toString(),
                "--criu", Tools.criu().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("moltd.log").toFile()));
        pb.environment().putAll(env);
        daemon = pb.start();
        awaitReady();
        return this;
    }

    Molt startDaemon() throws Exception {
        return startDaemon(Map.of());
    }

    void awaitReady() throws Exception {
        Poll.until(Duration.ofSeconds(120), "moltd to answer on " + socket, () -> {
            if (daemon != null && !daemon.isAlive()) {
                throw new AssertionError("moltd exited with " + daemon.exitValue() + ": " + log());
            }
            return Files.exists(socket) && cli("status").exit() == 0;
        });
    }

    /** Waits for the daemon (launcher included) to end, e.g. after a crash point's SIGKILL. */
    int awaitDaemonExit(Duration timeout) throws Exception {
        if (!daemon.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("moltd still running after " + timeout + ": " + log());
        }
        return daemon.exitValue();
    }

    String log() throws IOException {
        Path log = dir.resolve("moltd.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "\n--- err\n" + err;
        }
    }

    Result cli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Tools.repoRoot().resolve("bin/molt").toString());
        command.add("--socket");
        command.add(socket.toString());
        command.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "cli", ".err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("molt " + String.join(" ", args) + " did not finish");
        }
        String errText = Files.readString(err);
        Files.delete(err);
        return new Result(p.exitValue(), out, errText);
    }

    @Override
    public void close() throws Exception {
        if (daemon != null) {
            daemon.descendants().forEach(ProcessHandle::destroy);
            daemon.destroy();
            if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
                daemon.descendants().forEach(ProcessHandle::destroyForcibly);
                daemon.destroyForcibly();
            }
        }
    }
}
