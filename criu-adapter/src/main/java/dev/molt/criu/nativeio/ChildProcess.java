package dev.molt.criu.nativeio;

import java.time.Duration;
import java.util.Optional;

/**
 * A child this JVM spawned with {@link Spawn}. It is reaped by {@link #waitFor} or
 * {@link #killAndReap}; {@link #close()} makes sure of it, so no zombie outlives its owner.
 * Not thread-safe.
 */
public final class ChildProcess implements AutoCloseable {

    private final int pid;
    private final String name;
    private int pidfd;
    private ExitStatus status;

    ChildProcess(int pid, String name) throws PosixException {
        this.pid = pid;
        this.name = name;
        // A pidfd polls readable when the child exits: waiting with a timeout needs no sleep loop.
        this.pidfd = Posix.pidfdOpen(pid);
    }

    public int pid() {
        return pid;
    }

    /** The exit status once reaped. */
    public Optional<ExitStatus> status() {
        return Optional.ofNullable(status);
    }

    /** Waits up to {@code timeout} for the child to exit and reaps it; empty if it still runs. */
    public Optional<ExitStatus> waitFor(Duration timeout) throws PosixException {
        if (status == null) {
            long millis = Math.max(0, Math.min(timeout.toMillis(), Integer.MAX_VALUE));
            if (Posix.pollOne(pidfd, Posix.POLLIN, (int) millis) != 0) {
                int raw = Posix.waitpid(pid, Posix.WNOHANG);
                if (raw != -1) {
                    reaped(raw);
                }
            }
        }
        return status();
    }

    /** Sends SIGKILL unless the child has exited already, then reaps it. */
    public ExitStatus killAndReap() throws PosixException {
        if (status == null) {
            try {
                Posix.kill(pid, Posix.SIGKILL);
            } catch (PosixException e) {
                if (e.errno() != Posix.ESRCH) { // ESRCH: exited on its own, a zombie waiting for us
                    throw e;
                }
            }
            reaped(Posix.waitpid(pid, 0));
        }
        return status;
    }

    /** Kills and reaps the child if it is still there, and releases the pidfd. Idempotent. */
    @Override
    public void close() {
        try {
            killAndReap();
        } catch (PosixException e) {
            throw new IllegalStateException("could not reap " + this + ": " + e.getMessage(), e);
        } finally {
            closePidfd();
        }
    }

    private void reaped(int raw) {
        status = new ExitStatus(raw);
        closePidfd();
    }

    private void closePidfd() {
        if (pidfd >= 0) {
            int fd = pidfd;
            pidfd = -1;
            try {
                Posix.close(fd);
            } catch (PosixException ignored) {
                // the fd is released either way
            }
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid + (status == null ? "" : ", " + status) + ")";
    }
}
