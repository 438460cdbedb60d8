package dev.molt.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What /proc and cgroup v2 say about one process: whether it is stopped or in a frozen cgroup. */
final class HostProcess {
    private HostProcess() {}

    /** The State letter of /proc/PID/status (R, S, D, T, t, Z...), empty when the process is gone. */
    static Optional<String> state(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("State:")) {
                    return Optional.of(line.substring("State:".length()).strip().substring(0, 1));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The process's cgroup v2 directory (the "0::" line of /proc/PID/cgroup under the cgroup2 mount). */
    static Path cgroup(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            if (line.startsWith("0::")) {
                String relative = line.substring(3);
                return cgroup2Mount().resolve(relative.startsWith("/") ? relative.substring(1) : relative);
            }
        }
        throw new IllegalStateException("process " + pid + " has no cgroup v2 line in /proc/" + pid + "/cgroup");
    }

    /** True when the cgroup reports "frozen 1" in cgroup.events (the root cgroup cannot be frozen). */
    static boolean cgroupFrozen(Path cgroupDir) throws IOException {
        Path events = cgroupDir.resolve("cgroup.events");
        if (!Files.exists(events)) {
            return false;
        }
        return Files.readAllLines(events).contains("frozen 1");
    }

    /** Neither stopped (T, t) nor in a frozen cgroup. */
    static boolean runsUnfrozen(long pid) throws IOException {
        String state = state(pid).orElseThrow(() -> new AssertionError("process " + pid + " is gone"));
        return !state.equals("T") && !state.equals("t") && !state.equals("Z") && !cgroupFrozen(cgroup(pid));
    }

    static Path cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && halves[1].startsWith("cgroup2 ")) {
                return Path.of(halves[0].split(" ")[4]);
            }
        }
        throw new IllegalStateException("no cgroup2 mount in /proc/self/mountinfo");
    }
}
