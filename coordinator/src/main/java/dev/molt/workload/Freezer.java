package dev.molt.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks and unparks a cgroup with the cgroup v2 freezer: {@code 1} to cgroup.freeze, then wait
 * for {@code frozen 1} in cgroup.events (the write returns before every task has stopped; a task
 * in uninterruptible sleep stops only when it wakes). A freeze that fails in any way, timeout,
 * I/O error or interrupt, thaws the cgroup before it throws: the freezer never leaves a workload
 * parked on error.
 *
 * <p>It polls cgroup.events, starting at 50 us and backing off to 20 ms: the freeze is inside
 * the workload's stop and normally completes within a millisecond, so the first polls are short;
 * polling keeps this class free of native inotify code for a wait that happens once per upgrade.
 */
public final class Freezer {

    /** A generous default for {@link #freeze}: a healthy cgroup freezes in milliseconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    static final String FREEZE = "cgroup.freeze";
    static final String EVENTS = "cgroup.events";
    private static final long FIRST_PAUSE_NANOS = Duration.ofNanos(50_000).toNanos();
    private static final long LONGEST_PAUSE_NANOS = Duration.ofMillis(20).toNanos();

    /**
     * Freezes every process in {@code cgroupDir} and its descendants, and returns once the kernel
     * reports the cgroup frozen. Freezing a frozen cgroup returns at once.
     *
     * @throws WorkloadException {@link WorkloadException.Reason#NOT_FOUND} for a missing cgroup,
     *     {@link WorkloadException.Reason#FREEZE_TIMEOUT} when it did not freeze within
     *     {@code timeout} (it is thawed again), IO for other failures (thawed again)
     */
    public void freeze(Path cgroupDir, Duration timeout) throws WorkloadException {
        Objects.requireNonNull(timeout, "timeout");
        requireCgroup(cgroupDir);
        long deadline = System.nanoTime() + timeout.toNanos();
        write(cgroupDir, "1");
        try {
            long pause = FIRST_PAUSE_NANOS;
            while (!isFrozen(cgroupDir)) {
                if (System.nanoTime() - deadline >= 0) {
                    List<String> stuck = uninterruptible(cgroupDir);
                    throw new WorkloadException(WorkloadException.Reason.FREEZE_TIMEOUT, cgroupDir.toString(),
                            "cgroup " + cgroupDir + " did not freeze within " + timeout + "; thawed it again."
                                    + (stuck.isEmpty() ? ""
                                            : " Processes in uninterruptible sleep, which stop only when they wake: "
                                                    + String.join(", ", stuck)));
                }
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new WorkloadException(WorkloadException.Reason.IO, cgroupDir.toString(),
                            "interrupted while freezing cgroup " + cgroupDir + "; thawed it again");
                }
                LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, LONGEST_PAUSE_NANOS);
            }
        } catch (WorkloadException | RuntimeException | Error e) {
            thawAfterFailure(cgroupDir, e);
            throw e;
        }
    }

    /** Thaws {@code cgroupDir}; thawing a thawed cgroup does nothing. */
    public void thaw(Path cgroupDir) throws WorkloadException {
        requireCgroup(cgroupDir);
        write(cgroupDir, "0");
    }

    /** True when the kernel reports {@code frozen 1} in cgroup.events. */
    public boolean isFrozen(Path cgroupDir) throws WorkloadException {
        Path events = cgroupDir.resolve(EVENTS);
        try {
            for (String line : Files.readAllLines(events, StandardCharsets.US_ASCII)) {
                if (line.equals("frozen 1")) {
                    return true;
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            throw notFound(cgroupDir, e);
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, cgroupDir.toString(),
                    "cannot read " + events + ": " + e, e);
        }
    }

    private static void requireCgroup(Path cgroupDir) throws WorkloadException {
        Objects.requireNonNull(cgroupDir, "cgroupDir");
        if (!Files.isDirectory(cgroupDir)) {
            throw notFound(cgroupDir, null);
        }
        if (!Files.exists(cgroupDir.resolve(FREEZE))) {
            if (Files.exists(cgroupDir.resolve("cgroup.procs"))) {
                throw new WorkloadException(WorkloadException.Reason.INVALID_NAME, cgroupDir.toString(),
                        cgroupDir + " is the root cgroup, which cannot be frozen: name a child cgroup");
            }
            throw new WorkloadException(WorkloadException.Reason.NOT_FOUND, cgroupDir.toString(),
                    cgroupDir + " is not a cgroup v2 directory (no " + FREEZE + "): is it under the cgroup2 mount?");
        }
    }

    private static void write(Path cgroupDir, String value) throws WorkloadException {
        Path file = cgroupDir.resolve(FREEZE);
        try {
            // WRITE only: never create the file, so a wrong directory fails instead of growing a plain file.
            Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            throw notFound(cgroupDir, e);
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, cgroupDir.toString(),
                    "cannot write " + value + " to " + file + ": " + e, e);
        }
    }

    private static void thawAfterFailure(Path cgroupDir, Throwable failure) {
        try {
            write(cgroupDir, "0");
        } catch (WorkloadException thawFailure) {
            failure.addSuppressed(thawFailure);
        }
    }

    /** Processes in D state in the cgroup and its descendants, as {@code pid (name)}. */
    private static List<String> uninterruptible(Path cgroupDir) {
        List<String> stuck = new ArrayList<>();
        try (var dirs = Files.walk(cgroupDir)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Path procs = dir.resolve("cgroup.procs");
                if (!Files.exists(procs)) {
                    continue;
                }
                for (String pid : Files.readAllLines(procs)) {
                    Procs.host().status(Long.parseLong(pid.strip()))
                            .filter(s -> s.state() == 'D')
                            .ifPresent(s -> stuck.add(s.pid() + " (" + s.name() + ")"));
                }
            }
        } catch (IOException | WorkloadException | RuntimeException e) {
            // Only a hint for the message: the timeout is what gets reported.
        }
        return stuck;
    }

    private static WorkloadException notFound(Path cgroupDir, Throwable cause) {
        return new WorkloadException(WorkloadException.Reason.NOT_FOUND, cgroupDir.toString(),
                "cgroup " + cgroupDir + " does not exist", cause);
    }
}
