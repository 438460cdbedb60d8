package dev.molt.criu.service;

/** A request the adapter turns down before CRIU runs; each subtype maps to one Status code. */
public abstract sealed class AdapterException extends Exception {

    private AdapterException(String message) {
        super(message);
    }

    /** A request field is missing or malformed; the message starts with the field's name. */
    public static final class InvalidArgument extends AdapterException {
        public InvalidArgument(String field, String problem) {
            super(field + ": " + problem);
        }
    }

    /** The pid or snapshot named does not exist. */
    public static final class NotFound extends AdapterException {
        public NotFound(String message) {
            super(message);
        }
    }

    /** The snapshot id is taken. */
    public static final class AlreadyExists extends AdapterException {
        public AlreadyExists(String message) {
            super(message);
        }
    }

    /** A pid the restore needs is held by a running process. */
    public static final class PidTaken extends AdapterException {
        public PidTaken(int pid, String holder) {
            super("pid " + pid + " is taken by " + holder + "; the restored tree needs it free: end that "
                    + "process or restore the tree in its own pid namespace");
        }
    }
}
