package dev.molt.kexec;

import java.util.Objects;
import java.util.OptionalInt;

/** A kernel switch that cannot be prepared or executed; {@link #reason()} says what an operator can do. */
public final class SwitchException extends Exception {

    /** Why a switch failed, one value per thing an operator can act on. */
    public enum Reason {
        /** The kernel or initrd file is missing, unreadable or not bootable: fix the plan. */
        INVALID_IMAGE,
        /** The plan itself is unusable (command line too long, a pid that must not be killed). */
        INVALID_PLAN,
        /** The running kernel refused the load (see {@link #errno()}): wrong or unsigned image, no memory. */
        LOAD_REFUSED,
        /** Not allowed: no CAP_SYS_BOOT, kexec_load_disabled set, or lockdown / Secure Boot. */
        NOT_PERMITTED,
        /** The running kernel has no kexec, or the tool asked for is missing: use another switch. */
        NOT_SUPPORTED,
        /** {@code execute} without a successful {@code prepare}, or the load vanished since. */
        NOT_PREPARED,
        /** The switch was attempted and failed; the old kernel still runs. */
        FAILED
    }

    private final Reason reason;
    private final int errno;

    public SwitchException(Reason reason, String message) {
        this(reason, message, 0, null);
    }

    public SwitchException(Reason reason, String message, Throwable cause) {
        this(reason, message, 0, cause);
    }

    /** @param errno the kernel's error number, or 0 when none applies */
    public SwitchException(Reason reason, String message, int errno, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.errno = errno;
    }

    public Reason reason() {
        return reason;
    }

    /** The errno of the refused system call, when the failure came from one. */
    public OptionalInt errno() {
        return errno == 0 ? OptionalInt.empty() : OptionalInt.of(errno);
    }
}
