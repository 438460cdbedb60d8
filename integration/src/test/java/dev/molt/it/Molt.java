package dev.molt.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Molt as an operator runs it: the daemon through its launcher bin/moltd (which starts it again
 * when the restart switch asks), and the CLI bin/molt as a separate process.
 */
final class Molt implements AutoCloseable {
    final Path dir;
    final Path socket;
    final Path store;
    /** CRIU's images, and the spool an upgrade's snapshots wait in until the unpark. */
    final Path staging;
    private Process daemon;
    private int starts;
    /** Flags added to every start of moltd (the launcher repeats them when it restarts the daemon). */
    private final List<String> daemonArgs = new ArrayList<>();

    Molt(Path dir) {
        this(dir, dir.resolve("store"));
    }

    Molt(Path dir, Path store) {
        this(dir, store, dir.resolve("staging"));
    }

    Molt(Path dir, Path store, Path staging) {
        this.dir = dir;
        this.socket = dir.resolve("molt.sock");
        this.store = store;
        this.staging = staging;
    }

    /** Adds flags to every later start of moltd, e.g. {@code --metrics-listen}. */
    Molt withDaemonArgs(String... args) {
        daemonArgs.addAll(List.of(args));
        return this;
    }

    /** moltd reads {@code file} at its next start (replacing an earlier --config). */
    Molt withConfig(Path file) {
        int at = daemonArgs.indexOf("--config");
        if (at >= 0) {
            daemonArgs.remove(at + 1);
            daemonArgs.remove(at);
        }
        daemonArgs.addAll(List.of("--config", file.toString()));
        return this;
    }

    /** Starts moltd; {@code env} may set MOLT_CRASH_AFTER. Returns once the API answers. */
    Molt startDaemon(Map<String, String> env) throws Exception {
        starts++;
        List<String> command = new ArrayList<>(List.of(Tools.repoRoot().resolve("bin/moltd").toString(),
                "--store", store.toString(),
                "--staging", staging.toString(),
                "--socket", socket.toString(),
                "--criu", Tools.criu().toString()));
        command.addAll(daemonArgs);
        ProcessBuilder pb = new ProcessBuilder(command)
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

    /**
     * Starts the CLI without waiting for it, for a test that acts while a command runs: its
     * progress lines (stderr) are read as they come, its stdout goes to a file.
     */
    Started cliStarted(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Tools.repoRoot().resolve("bin/molt").toString());
        command.add("--socket");
        command.add(socket.toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "cli", ".out");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        return new Started(p, out);
    }

    /** A running CLI. Every wait has a deadline: a CLI that never ends fails the test, never hangs it. */
    static final class Started implements AutoCloseable {
        /** Put after the last line, compared by identity. */
        private static final String END = new String("end of stderr");

        private final Process process;
        private final Path out;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer errSeen = new StringBuffer();
        private final Thread reader;

        private Started(Process process, Path out) {
            this.process = process;
            this.out = out;
            this.reader = Thread.ofVirtual().name("cli-stderr-" + process.pid()).start(() -> {
                try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = err.readLine()) != null) {
                        errSeen.append(line).append('\n');
                        lines.add(line);
                    }
                } catch (IOException e) {
                    errSeen.append("(reading stderr failed: ").append(e).append(")\n");
                } finally {
                    lines.add(END);
                }
            });
        }

        /** Waits for a progress line starting with {@code prefix}; false when the command ended first. */
        boolean awaitLineStartingWith(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("no line starting with '" + prefix + "' within " + timeout + "; stderr so far:\n" + errSeen);
                }
                if (line == END) {
                    lines.add(END);
                    return false;
                }
                if (line.startsWith(prefix)) {
                    return true;
                }
            }
        }

        Result await(Duration timeout) throws IOException, InterruptedException {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the CLI did not finish within " + timeout + "; stderr:\n" + errSeen);
            }
            reader.join(Duration.ofSeconds(10));
            return new Result(process.exitValue(), Files.readString(out), errSeen.toString());
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
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
