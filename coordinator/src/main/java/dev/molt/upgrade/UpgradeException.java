package dev.molt.upgrade;

/**
 * A failure an operator can act on. Each kind maps once onto a gRPC status code (api.Errors) and
 * from there onto a CLI exit code. Messages name the thing that is wrong and what to do.
 */
public sealed class UpgradeException extends RuntimeException {

    UpgradeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A request field is missing or malformed; {@code field} names it. */
    public static final class InvalidArgument extends UpgradeException {
        private final String field;

        public InvalidArgument(String field, String message) {
            super(field + ": " + message, null);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** The upgrade, snapshot, pid or cgroup does not exist. */
    public static final class NotFound extends UpgradeException {
        public NotFound(String message) {
            super(message, null);
        }
    }

    /** Another upgrade runs on this host. */
    public static final class AlreadyRunning extends UpgradeException {
        private final String runningId;

        public AlreadyRunning(String runningId) {
            super("upgrade " + runningId + " is already running on this host; wait for it or cancel it", null);
            this.runningId = runningId;
        }

        public String runningId() {
            return runningId;
        }
    }

    /** A preflight check failed, or the request does not apply in the upgrade's state. */
    public static final class FailedPrecondition extends UpgradeException {
        public FailedPrecondition(String message) {
            super(message, null);
        }
    }

    /** Not enough space for the snapshot. */
    public static final class NoSpace extends UpgradeException {
        public NoSpace(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A snapshot failed verification. */
    public static final class DataLoss extends UpgradeException {
        public DataLoss(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
