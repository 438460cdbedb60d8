package dev.molt.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real cgroup v2 this test owns, {@code <mount>/molt-test-<random>}, with the processes the
 * test starts in it. {@link #close} kills every process below it (cgroup.kill) and removes it
 * and its descendants: tests never freeze or kill anything else.
 */
final class TestCgroup implements AutoCloseable {

    final Cgroup2 cgroup2;
    final Procs procs = Procs.host();
    final String name;
    final Path dir;
    private final List<Process> started = new ArrayList<>();

    private TestCgroup(Cgroup2 cgroup2, String name) throws IOException {
        this.cgroup2 = cgroup2;
        this.name = name;
        this.dir = cgroup2.mountPoint().resolve(name);
        Files.createDirectory(dir);
    }

    static TestCgroup create() throws Exception {
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        return new TestCgroup(Cgroup2.find(), "molt-test-" + HexFormat.of().formatHex(random));
    }

    /** Creates the child cgroup {@code relative} (and its parents) under this one. */
    Path child(String relative) throws IOException {
        return Files.createDirectories(dir.resolve(relative));
    }

    /** The cgroup name of {@code relative} below this one: {@code /molt-test-xxxx/relative}. */
    String nameOf(String relative) {
        return "/" + name + "/" + relative;
    }

    /**
     * Starts {@code command} inside {@code cgroupDir}: a shell moves itself there, then execs the
     * command, so everything it forks starts inside too. Returns once the process is there and
     * runs the command.
     */
    Process start(Path cgroupDir, String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"",
                cgroupDir.toString()));
        argv.addAll(List.of(command));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(process);
        // The kernel names a process after the file it executed, cut to 15 characters (comm).
        String comm = Path.of(command[0]).getFileName().toString();
        String expected = comm.substring(0, Math.min(15, comm.length()));
        await("pid " + process.pid() + " to run " + command[0] + " in " + cgroupDir, () -> {
            try {
                return cgroup2.cgroupOf(process.pid()).equals(cgroupDir)
                        && procs.status(process.pid()).map(s -> s.name().equals(expected)).orElse(false);
            } catch (WorkloadException e) {
                return false;
            }
        });
        return process;
    }

    /** A process that writes an increasing counter to {@code file} every 5 ms. */
    Process startCounter(Path cgroupDir, Path file) throws Exception {
        String program = String.join("\n",
                "import os, sys, time",
                "path, i = sys.argv[1], 0",
                "while True:",
                "    i += 1",
                "    with open(path + '.tmp', 'w') as f: f.write(str(i))",
                "    os.replace(path + '.tmp', path)",
                "    time.sleep(0.005)");
        return start(cgroupDir, "python3", "-c", program, file.toString());
    }

    /**
     * A pid no process can have: pid_max itself (pids stay below it). Read with one large read:
     * procfs integer sysctls answer only a read at offset 0, so Files.readString, which starts
     * with a 1-byte read on a file of size 0, sees "3" of "32768".
     */
    static long unusedPid() {
        try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/pid_max"))) {
            return Long.parseLong(new String(in.readNBytes(64), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static long readCounter(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Polls {@code condition} every 5 ms for up to 10 s. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out after 10 s waiting for " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }

    /** The first child of {@code parent}, once it has one. */
    ProcessHandle awaitChild(Process parent) {
        await("a child of pid " + parent.pid(), () -> parent.children().findAny().isPresent());
        return parent.children().findFirst().orElseThrow();
    }

    /** Waits until {@code pid} has {@code count} descendants. */
    List<Long> awaitDescendants(long pid, int count) {
        await(count + " descendants of pid " + pid, () -> {
            try {
                return procs.descendants(pid).size() == count;
            } catch (WorkloadException e) {
                return false;
            }
        });
        try {
            return procs.descendants(pid);
        } catch (WorkloadException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() throws Exception {
        if (Files.exists(dir.resolve("cgroup.kill"))) {
            Files.writeString(dir.resolve("cgroup.kill"), "1", StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        }
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        await("every process in " + dir + " to end", () -> {
            try {
                return WorkloadResolver.processesIn(dir).isEmpty();
            } catch (WorkloadException e) {
                return false;
            }
        });
        List<Path> cgroups;
        try (Stream<Path> walk = Files.walk(dir)) {
            cgroups = walk.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                    .toList();
        }
        for (Path cgroup : cgroups) {
            Files.delete(cgroup);
        }
    }
}
