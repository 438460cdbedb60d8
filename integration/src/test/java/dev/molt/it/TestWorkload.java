package dev.molt.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The C test workload (src/test/c/workload.c) in its own pid namespace: a counter, a child talking
 * to it over a pipe and a socketpair, memory of known content, and a TCP port.
 */
final class TestWorkload implements AutoCloseable {
    final Path counterFile;
    final int port;
    private final Process unshare;
    private Socket client;
    private BufferedReader replies;

    private TestWorkload(Path counterFile, int port, Process unshare) {
        this.counterFile = counterFile;
        this.port = port;
        this.unshare = unshare;
    }

    static TestWorkload start(Path dir, int memoryMib) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path counter = dir.resolve("counter.log");
        Process p = new ProcessBuilder("unshare", "--pid", "--fork", "setsid",
                Tools.workloadBinary().toString(), counter.toString(), Integer.toString(memoryMib), Integer.toString(port))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                // Not a file: CRIU checks a file's size at restore, and unshare writes to its stderr
                // when the dumped tree ends ("bad size 54 (expect 0)").
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        TestWorkload w = new TestWorkload(counter, port, p);
        Poll.until(Duration.ofSeconds(60), "the workload to start ticking", () -> w.lastTick() >= 2);
        return w;
    }

    /** The namespace's init: the root of the tree Molt protects. */
    long rootPid() {
        return unshare.children().findFirst().orElseThrow(() -> new IllegalStateException("the workload has no process")).pid();
    }

    /** The tree's processes now: found by the counter file they hold open (survives restore). */
    List<Long> pids() throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmdline = Files.readString(proc.resolve("cmdline"));
                    // The workload's own processes, not the unshare that started them.
                    if (cmdline.contains(counterFile.toString()) && !cmdline.startsWith("unshare")) {
                        pids.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // gone
                }
            }
        }
        pids.sort(null);
        return pids;
    }

    /** Pids as the workload itself sees them (the last NSpid column), in the order of {@link #pids()}. */
    List<Long> pidsInNamespace() throws IOException {
        List<Long> ns = new ArrayList<>();
        for (long pid : pids()) {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] f = line.split("\\s+");
                    ns.add(Long.parseLong(f[f.length - 1]));
                }
            }
        }
        ns.sort(null);
        return ns;
    }

    List<String> lines() throws IOException {
        return Files.exists(counterFile) ? Files.readAllLines(counterFile) : List.of();
    }

    long lastTick() throws IOException {
        List<String> lines = lines();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("tick ")) {
                return Long.parseLong(lines.get(i).substring(5).trim());
            }
        }
        return 0;
    }

    /** Ticks that do not follow their predecessor by exactly one: lost or repeated state. */
    List<String> tickGaps() throws IOException {
        List<String> gaps = new ArrayList<>();
        long previous = 0;
        for (String line : lines()) {
            if (line.startsWith("tick ")) {
                long n = Long.parseLong(line.substring(5).trim());
                if (previous != 0 && n != previous + 1) {
                    gaps.add(previous + " -> " + n);
                }
                previous = n;
            }
        }
        return gaps;
    }

    /** Lines that report a problem: a wrong child answer, corrupt memory, a lost client. */
    List<String> problems() throws IOException {
        return lines().stream().filter(l -> l.contains("WRONG") || l.contains("CORRUPT") || l.startsWith("client gone")).toList();
    }

    Optional<String> lastMemoryCheck() throws IOException {
        List<String> lines = lines();
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("memory ")) {
                return Optional.of(lines.get(i));
            }
        }
        return Optional.empty();
    }

    /** Opens the TCP connection that must survive the upgrade. */
    void connect() throws IOException {
        client = new Socket(InetAddress.getLoopbackAddress(), port);
        client.setSoTimeout(60_000);
        replies = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Sends a line on the same connection and returns the workload's answer "N line". */
    String ask(String line) throws IOException {
        OutputStream out = client.getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return replies.readLine();
    }

    boolean running() throws IOException {
        return !pids().isEmpty();
    }

    /** True when the tree's processes are not frozen (cgroup v2 freezer shows no state in /proc; check ticks). */
    boolean ticking(Duration within) throws Exception {
        long before = lastTick();
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (lastTick() > before + 1) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        if (client != null) {
            client.close();
        }
        for (long pid : pids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        unshare.destroyForcibly();
    }
}
