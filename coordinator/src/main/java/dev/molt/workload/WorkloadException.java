package dev.molt.workload;

import java.util.Objects;

/**
 * A workload that cannot be named, resolved or parked. {@link #subject()} is the cgroup, unit or
 * pid concerned; the message says what is wrong and, where there is something to do, what.
 */
public final class WorkloadException extends Exception {

    /** One value per failure an operator can act on. */
    public enum Reason {
        /** No such cgroup, unit, or process. */
        NOT_FOUND,
        /** The cgroup exists but holds no process: nothing to protect. */
        EMPTY,
        /** A name Molt refuses: traversal, outside the cgroup2 mount, the root cgroup, bad characters. */
        INVALID_NAME,
        /** A kernel thread: it cannot be checkpointed. */
        KERNEL_THREAD,
        /** systemd is not running, or systemctl failed: name the workload by its cgroup instead. */
        SYSTEMD_UNAVAILABLE,
        /** No cgroup v2 hierarchy is mounted. */
        NO_CGROUP2,
        /** The cgroup did not report {@code frozen 1} in time; it was thawed again. */
        FREEZE_TIMEOUT,
        /** Reading or writing cgroupfs or procfs failed for another reason. */
        IO
    }

    private final Reason reason;
    private final String subject;

    public WorkloadException(Reason reason, String subject, String message) {
        this(reason, subject, message, null);
    }

    public WorkloadException(Reason reason, String subject, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.subject = Objects.requireNonNull(subject, "subject");
    }

    public Reason reason() {
        return reason;
    }

    /** The cgroup, unit or pid the failure is about, as the operator named it. */
    public String subject() {
        return subject;
    }
}
