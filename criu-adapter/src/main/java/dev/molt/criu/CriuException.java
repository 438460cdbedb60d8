package dev.molt.criu;

import dev.molt.criu.nativeio.Posix;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * CRIU could not do what was asked. Every subtype says which request failed and, when CRIU wrote a
 * log, carries its last lines ({@link #logTail()}), which is where CRIU says why.
 */
public abstract sealed class CriuException extends Exception {

    private final LogTail logTail;

    private CriuException(String message, LogTail logTail, Throwable cause) {
        super(message + logTail.render(), cause);
        this.logTail = logTail;
    }

    /** The last lines of CRIU's log for this request; empty when it wrote none. */
    public String logTail() {
        return logTail.tail();
    }

    /** CRIU's error lines in its log for this request (without the ones printed on every run). */
    public java.util.List<String> logErrors() {
        return logTail.errors();
    }

    /** The log file the tail came from. */
    public Optional<Path> logFile() {
        return logTail.file();
    }

    /** CRIU answered {@code success = false}: the tree could not be dumped or restored. */
    public static final class Failed extends CriuException {
        private final String request;
        private final String errmsg;
        private final int errno;

        public Failed(String request, String errmsg, int errno, LogTail logTail, Throwable cause) {
            super("CRIU " + request + " failed"
                    + (errno != 0 ? " (cr_errno " + errno + ": " + Posix.strerror(errno) + ")" : "")
                    + ": " + summary(errmsg, logTail)
                    + (cause != null ? "; the notification handler failed: " + cause : ""),
                    logTail, cause);
            this.request = request;
            this.errmsg = errmsg;
            this.errno = errno;
        }

        /**
         * What to put first: CRIU's cr_errmsg is its first error, which on this host is always the
         * harmless rlimit one; then the log's first real error says more.
         */
        private static String summary(String errmsg, LogTail log) {
            String message = errmsg.strip();
            if (!message.isEmpty() && !LogTail.isHarmless(message)) {
                return message;
            }
            return log.firstError().orElse(message.isEmpty() ? "CRIU gave no message" : message);
        }

        /** The request type, e.g. "DUMP". */
        public String request() {
            return request;
        }

        /** CRIU's cr_errmsg; empty when it sent none. */
        public String errmsg() {
            return errmsg;
        }

        /** CRIU's cr_errno; 0 when it sent none. */
        public int errno() {
            return errno;
        }
    }

    /**
     * CRIU broke the protocol: closed the connection before answering (crashed or exited), sent a
     * message too large or not parseable, or answered with the wrong type.
     */
    public static final class ProtocolError extends CriuException {
        public ProtocolError(String message, LogTail logTail, Throwable cause) {
            super(message, logTail, cause);
        }
    }

    /** CRIU could not be started: no binary, or the spawn failed. */
    public static final class Unavailable extends CriuException {
        public Unavailable(String message, Throwable cause) {
            super(message, LogTail.NONE, cause);
        }
    }

    /** CRIU did not answer in time; it was killed and reaped. */
    public static final class Timeout extends CriuException {
        public Timeout(String message, LogTail logTail) {
            super(message, logTail, null);
        }
    }

    /**
     * The thread waiting for CRIU was interrupted; CRIU was killed and reaped. A dump killed midway
     * leaves what CRIU had set up: a cgroup it froze stays frozen, and with TCP its nftables lock
     * table ({@code inet CRIU-<pid>}) may stay, blocking the tree's connections until removed.
     */
    public static final class Cancelled extends CriuException {
        public Cancelled(String message, LogTail logTail) {
            super(message, logTail, null);
        }
    }

    /** The installed CRIU is too old for what was asked; raised before anything is frozen. */
    public static final class MissingFeatures extends CriuException {
        private final CriuVersion version;
        private final List<CriuFeature> missing;

        public MissingFeatures(CriuVersion version, Path binary, List<CriuFeature> missing) {
            super("CRIU " + version + " at " + binary + " lacks "
                    + missing.stream().map(CriuFeature::toString).collect(Collectors.joining(", "))
                    + "; install a newer CRIU (scripts/install-deps.sh installs 4.2.1) or point MOLT_CRIU at one",
                    LogTail.NONE, null);
            this.version = version;
            this.missing = List.copyOf(missing);
        }

        public CriuVersion version() {
            return version;
        }

        public List<CriuFeature> missing() {
            return missing;
        }
    }
}
