package dev.molt.kexec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The kernel switch for machines that cannot kexec (development hosts, containers): the kernel
 * stays, and everything else happens as in a real upgrade. {@link #execute} ends the dumped
 * process trees, so that restore has to recreate them from the snapshot as it would after a kexec,
 * then hands over to a {@link Restarter}, which restarts the coordinator (the daemon's exits the
 * JVM with {@link #EXIT_RESTART}).
 *
 * <p>The pids are asked for only at execute time, after the dump: CRIU usually ended the trees
 * already, and any that survive (a dump with --leave-running, a failed kill) are SIGKILLed here.
 * {@link #prepare} validates nothing about kernels, since none changes.
 */
public final class RestartSwitch implements KernelSwitch {

    /** Exit status meaning "restart me": EX_TEMPFAIL from sysexits.h, which no JVM failure uses. */
    public static final int EXIT_RESTART = 75;

    /** How long ended processes may take to disappear before execute gives up. */
    public static final Duration DEFAULT_END_TIMEOUT = Duration.ofSeconds(10);

    private final Supplier<List<Long>> pidsToEnd;
    private final Restarter restarter;
    private final Duration endTimeout;
    private boolean prepared;

    /**
     * @param pidsToEnd the roots and members of the dumped trees, asked for at execute time
     * @param restarter what restarts the coordinator once they are gone
     */
    public RestartSwitch(Supplier<List<Long>> pidsToEnd, Restarter restarter) {
        this(pidsToEnd, restarter, DEFAULT_END_TIMEOUT);
    }

    public RestartSwitch(Supplier<List<Long>> pidsToEnd, Restarter restarter, Duration endTimeout) {
        this.pidsToEnd = Objects.requireNonNull(pidsToEnd, "pidsToEnd");
        this.restarter = Objects.requireNonNull(restarter, "restarter");
        this.endTimeout = Objects.requireNonNull(endTimeout, "endTimeout");
    }

    @Override
    public String name() {
        return "restart";
    }

    @Override
    public synchronized void prepare(SwitchPlan plan) {
        Objects.requireNonNull(plan, "plan");
        prepared = true;
    }

    @Override
    public synchronized void cancel() {
        prepared = false;
    }

    @Override
    public synchronized void execute() throws SwitchException {
        if (!prepared) {
            throw new SwitchException(SwitchException.Reason.NOT_PREPARED,
                    "the restart switch was not prepared (or was cancelled): prepare it first");
        }
        List<Long> pids = List.copyOf(pidsToEnd.get());
        refuseProtected(pids);
        List<ProcessHandle> ended = new ArrayList<>();
        // Silence their TCP sockets first: the snapshot is restored on this same kernel, and a
        // socket ending normally would tell its peer and linger on the addresses restore needs.
        try (QuietSockets quiet = QuietSockets.silence(pids)) {
            for (long pid : pids) {
                // ProcessHandle checks the process's start time, so a pid reused since cannot be hit.
                ProcessHandle.of(pid).ifPresent(process -> {
                    process.destroyForcibly();
                    ended.add(process);
                });
            }
            awaitGone(ended);
        } catch (java.io.IOException e) {
            throw new SwitchException(SwitchException.Reason.FAILED,
                    "cannot silence the dumped trees' TCP sockets before ending them: " + e.getMessage());
        }
        prepared = false;
        restarter.restart();
    }

    /** Never the coordinator itself, one of its ancestors, or the pid namespace's init. */
    private static void refuseProtected(List<Long> pids) throws SwitchException {
        Set<Long> protectedPids = new HashSet<>();
        protectedPids.add(1L);
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) {
            protectedPids.add(p.get().pid());
        }
        for (long pid : pids) {
            if (pid <= 0 || protectedPids.contains(pid)) {
                throw new SwitchException(SwitchException.Reason.INVALID_PLAN, "refusing to end pid " + pid
                        + ": it is " + (pid <= 0 ? "not a process id" : pid == 1 ? "init"
                                : "the coordinator itself or one of its ancestors")
                        + "; the pids to end must be the dumped workloads' processes");
            }
        }
    }

    private void awaitGone(List<ProcessHandle> processes) throws SwitchException {
        long deadline = System.nanoTime() + endTimeout.toNanos();
        long pause = Duration.ofMillis(1).toNanos();
        while (true) {
            List<String> alive = new ArrayList<>();
            for (ProcessHandle process : processes) {
                stillRunning(process).ifPresent(state -> alive.add(process.pid() + " (state " + state + ")"));
            }
            if (alive.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new SwitchException(SwitchException.Reason.FAILED, "processes still alive " + endTimeout
                        + " after SIGKILL: " + String.join(", ", alive) + "; a process in state D waits for"
                        + " I/O to finish. Not restarting: restore would find their pids taken");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, Duration.ofMillis(50).toNanos());
        }
    }

    /**
     * The process's state letter while it still runs; empty once it is gone or a zombie (a zombie
     * holds its pid only until its parent reaps it, which is not ours to wait for).
     */
    static Optional<Character> stillRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return Optional.empty();
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // The state follows the command name, which is in parentheses and may itself hold any byte.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X' ? Optional.empty() : Optional.of(state);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | IndexOutOfBoundsException e) {
            return Optional.of('?');
        }
    }
}
