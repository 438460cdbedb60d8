package dev.molt.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One QEMU guest of integration/guest, booted with Molt installed as a server runs it (scripts/dist.sh
 * copied into /opt/molt; moltd started at boot). Boots through boot.sh, runs commands through gx,
 * stops through stop.sh, and reaches moltd's API through QEMU's port forwarding.
 */
final class QemuGuest implements AutoCloseable {
    static final String OLD_KERNEL = "6.1.0-50-amd64";
    static final String NEW_KERNEL = "6.1.0-56-amd64";
    static final int WORKLOAD_PORT = 7200;
    static final int API_PORT = 7300;

    final String name;
    final Path runDir;
    private final Map<String, String> runEnv;
    private final Path guestDir;

    private QemuGuest(String name, Path runDir, Map<String, String> runEnv) {
        this.name = name;
        this.runDir = runDir;
        this.runEnv = runEnv;
        this.guestDir = Tools.repoRoot().resolve("integration/guest");
    }

    /** Builds Molt's installed layout (from this build) and boots a guest holding it. */
    static QemuGuest boot(String name) throws IOException, InterruptedException {
        return boot(name, OLD_KERNEL);
    }

    /** The same, cold-booting {@code kernel} (a release the guest image holds). */
    static QemuGuest boot(String name, String kernel) throws IOException, InterruptedException {
        Path root = Tools.repoRoot();
        Path dist = root.resolve("integration/target/guest-dist");
        ProcessBuilder distBuild = new ProcessBuilder(root.resolve("scripts/dist.sh").toString(), dist.toString());
        distBuild.environment().put("MOLT_DIST_SKIP_BUILD", "1");
        run(distBuild, Duration.ofMinutes(5), "scripts/dist.sh");
        ProcessBuilder boot = new ProcessBuilder(root.resolve("integration/guest/boot.sh").toString(), "--name", name,
                "--kernel", kernel);
        boot.environment().put("MOLT_GUEST_DIST", dist.toString());
        String out = run(boot, Duration.ofMinutes(15), "integration/guest/boot.sh");
        Path runDir = Path.of(out.strip().lines().reduce((a, b) -> b).orElseThrow());
        return new QemuGuest(name, runDir, readEnv(runDir.resolve("run.env")));
    }

    /** 127.0.0.1:PORT on the host that reaches {@code guestPort}. */
    int hostPort(int guestPort) {
        String port = runEnv.get("HOST_PORT_" + guestPort);
        if (port == null) {
            throw new IllegalStateException("guest port " + guestPort + " is not forwarded (run.env: " + runEnv + ")");
        }
        return Integer.parseInt(port);
    }

    String apiAddress() {
        return "127.0.0.1:" + hostPort(API_PORT);
    }

    /** Runs a shell command in the guest; fails on a non-zero exit. Returns stdout. */
    String sh(String command) throws IOException, InterruptedException {
        return sh(command, Duration.ofSeconds(120));
    }

    String sh(String command, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(guestDir.resolve("gx").toString(), "--name", name,
                "--timeout", Long.toString(timeout.toSeconds()), "--", command);
        return run(pb, timeout.plusSeconds(30), "in guest " + name + ": " + command);
    }

    void put(Path local, String remote) throws IOException, InterruptedException {
        run(new ProcessBuilder(guestDir.resolve("gx").toString(), "--name", name, "--put", local.toString(), remote),
                Duration.ofSeconds(60), "copy " + local + " to the guest");
    }

    /** The console log, each line stamped with the host's epoch time. */
    String console() throws IOException {
        return Files.readString(runDir.resolve("console.log"), StandardCharsets.UTF_8);
    }

    /** Starts bin/molt on the host without waiting for it; its stdout and stderr go to {@code out}. */
    Process moltStarted(Path out, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Tools.repoRoot().resolve("bin/molt").toString());
        command.add("--connect");
        command.add(apiAddress());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        p.getOutputStream().close();
        return p;
    }

    /** bin/molt on the host, talking to the guest's moltd through the forwarded API port. */
    Molt.Result molt(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Tools.repoRoot().resolve("bin/molt").toString());
        command.add("--connect");
        command.add(apiAddress());
        command.addAll(List.of(args));
        Path out = Files.createTempFile("molt-cli", ".out");
        Path err = Files.createTempFile("molt-cli", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("molt " + String.join(" ", args) + " did not finish within " + timeout
                        + ":\n" + Files.readString(out) + Files.readString(err));
            }
            return new Molt.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * Restarts the guest's moltd with another kexec loader (MOLT_KEXEC in /etc/default/moltd, which
     * later boots keep): "syscall" for kexec_file_load of the bzImage, "elf" for the fast boot.
     */
    void useKexecLoader(String loader) throws Exception {
        sh("sed -i '/^MOLT_KEXEC=/d' /etc/default/moltd && echo 'MOLT_KEXEC=" + loader + "' >> /etc/default/moltd"
                + " && pkill -TERM -f '[/]opt/molt/bin/moltd'; for i in $(seq 100); do pgrep -f '[d]ev.molt.daemon.Moltd' >/dev/null || break; sleep 0.2; done;"
                // Not the binary's full path in this command line: pkill -f would match this shell too.
                + " bin=/opt/molt/bin; . /etc/default/moltd; export MOLT_KEXEC;"
                + " setsid \"$bin/moltd\" $MOLTD_ARGS </dev/null >>/var/log/molt/moltd.log 2>&1 &");
        awaitMoltd(Duration.ofMinutes(3));
    }

    /** Waits until moltd in the guest answers over the forwarded port (it starts at boot). */
    void awaitMoltd(Duration timeout) throws Exception {
        Poll.until(timeout, "moltd in guest " + name + " to answer on " + apiAddress(),
                () -> molt(Duration.ofSeconds(60), "status").exit() == 0);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(new ProcessBuilder(guestDir.resolve("stop.sh").toString(), "--name", name),
                Duration.ofMinutes(2), "integration/guest/stop.sh");
    }

    private static Map<String, String> readEnv(Path file) throws IOException {
        Map<String, String> env = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    static String run(ProcessBuilder pb, Duration timeout, String what) throws IOException, InterruptedException {
        Path err = Files.createTempFile("guest", ".err");
        Path out = Files.createTempFile("guest", ".out");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(what + " did not finish within " + timeout + ": " + Files.readString(err));
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(what + " failed with exit " + p.exitValue() + ":\n" + Files.readString(out)
                        + Files.readString(err));
            }
            return Files.readString(out);
        } finally {
            Files.deleteIfExists(err);
            Files.deleteIfExists(out);
        }
    }
}
