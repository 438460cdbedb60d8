package dev.molt.criu.testing;

import dev.molt.criu.ProcessTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A cgroup v2 directory a test creates for processes it started, and removes at the end. The
 * cgroup2 mount is found in /proc/self/mountinfo (on the dev host it is /sys/fs/cgroup/unified).
 */
public final class TestCgroup implements AutoCloseable {

    private final Path path;

    private TestCgroup(Path path) {
        this.path = path;
    }

    public static TestCgroup create() throws IOException {
        Path dir = cgroup2Mount().resolve("molt-test-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(dir);
        return new TestCgroup(dir);
    }

    /** Where cgroup2 is mounted, from /proc/self/mountinfo. */
    public static Path cgroup2Mount() throws IOException {
        for (String line : ProcessTable.readProcFile(Path.of("/proc/self/mountinfo")).split("\n")) {
            // "... mount-point options - fstype source super-options": the type follows " - ".
            String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && halves[1].startsWith("cgroup2 ")) {
                return Path.of(halves[0].split(" ")[4]);
            }
        }
        throw new IOException("no cgroup2 mount in /proc/self/mountinfo");
    }

    public Path path() {
        return path;
    }

    /** Moves these processes in (their later children follow them). */
    public void add(List<Integer> pids) throws IOException {
        for (int pid : pids) {
            try {
                Files.writeString(path.resolve("cgroup.procs"), Integer.toString(pid));
            } catch (IOException e) {
                // A short-lived child (the counter's sleep) that ended since the tree was read
                // needs no moving: ESRCH. Anything else is a real failure.
                if (e.getMessage() == null || !e.getMessage().contains("No such process")) {
                    throw e;
                }
            }
        }
    }

    /** Freezes the cgroup and waits for the kernel to report it frozen. */
    public void freeze() throws Exception {
        Files.writeString(path.resolve("cgroup.freeze"), "1");
        Poll.until(Duration.ofSeconds(10), path + " to be frozen", this::frozen);
    }

    public boolean frozen() throws IOException {
        return ProcessTable.readProcFile(path.resolve("cgroup.events")).contains("frozen 1");
    }

    /** Which cgroup v2 a process is in, relative to the mount ("/molt-test-..."). */
    public static String cgroupOf(int pid) throws IOException {
        for (String line : ProcessTable.readProcFile(Path.of("/proc", Integer.toString(pid), "cgroup")).split("\n")) {
            if (line.startsWith("0::")) {
                return line.substring(3);
            }
        }
        throw new IOException("pid " + pid + " has no cgroup v2 line");
    }

    /** Thaws and removes the cgroup once its processes (killed by the test) are gone. */
    @Override
    public void close() throws IOException {
        try {
            Files.writeString(path.resolve("cgroup.freeze"), "0");
            Poll.until(Duration.ofSeconds(10), path + " to be empty",
                    () -> ProcessTable.readProcFile(path.resolve("cgroup.procs")).isBlank());
            Files.delete(path);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("could not remove " + path, e);
        }
    }
}
