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
        private final String resourceType;
        private final String resourceName;

        public NotFound(String message) {
            this("", "", message);
        }

        /** @param resourceType "upgrade", "snapshot", "pid", "cgroup"; @param resourceName its id */
        public NotFound(String resourceType, String resourceName, String message) {
            super(message, null);
            this.resourceType = resourceType;
            this.resourceName = resourceName;
        }

        public String resourceType() {
            return resourceType;
        }

        public String resourceName() {
            return resourceName;
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
        private final String type;
        private final String subject;

        public FailedPrecondition(String message) {
            this("", "", message);
        }

        /**
         * @param type what kind of precondition: "STATE" (the upgrade's state), "PREFLIGHT", "IN_USE"
         * @param subject what it is about: "upgrade/u-1234", "snapshot/s-1"
         */
        public FailedPrecondition(String type, String subject, String message) {
            super(message, null);
            this.type = type;
            this.subject = subject;
        }

        public String type() {
            return type;
        }

        public String subject() {
            return subject;
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
