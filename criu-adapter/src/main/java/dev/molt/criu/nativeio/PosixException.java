package dev.molt.criu.nativeio;

import java.io.IOException;

/** A libc call failed; carries the call (with its arguments) and errno. */
public final class PosixException extends IOException {

    private final String operation;
    private final int errno;

    public PosixException(String operation, int errno) {
        super(operation + " failed: " + Posix.strerror(errno) + " (errno " + errno + ")");
        this.operation = operation;
        this.errno = errno;
    }

    /** The call that failed, e.g. {@code "socketpair(AF_UNIX, SOCK_SEQPACKET)"}. */
    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }
}
