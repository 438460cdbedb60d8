package dev.molt.kexec.livepatch;

import java.util.Objects;

/** A livepatch operation that cannot be done; {@link #reason()} says what an operator can do. */
public final class LivepatchException extends Exception {

    /** Why, one value per thing an operator can act on. */
    public enum Reason {
        /** The running kernel has no livepatch support (no /sys/kernel/livepatch). */
        NOT_SUPPORTED,
        /** The file is no usable kernel module (not ELF, compressed, no .modinfo). */
        INVALID_MODULE,
        /** A kernel module, but not a livepatch (no livepatch=Y in its .modinfo). */
        NOT_A_LIVEPATCH,
        /** Built for another kernel (its vermagic names another release): get the build for the running one. */
        WRONG_KERNEL,
        /** Another livepatch is in transition: only one may be at a time. Wait, or revert it. */
        BUSY,
        /** A patch of that name is already loaded. */
        ALREADY_APPLIED,
        /** No loaded livepatch has that name. */
        NOT_FOUND,
        /** The kernel refused to load or unload the module (see the message: errno and what to do). */
        LOAD_REFUSED,
        /** Anything else: the message says what happened. */
        FAILED
    }

    private final Reason reason;

    public LivepatchException(Reason reason, String message) {
        this(reason, message, null);
    }

    public LivepatchException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
