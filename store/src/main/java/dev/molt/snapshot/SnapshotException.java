package dev.molt.snapshot;

import java.io.IOException;

/** Failures of the snapshot store a caller can act on. */
public sealed class SnapshotException extends IOException {

    protected SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A snapshot with that id is committed already. */
    public static final class AlreadyExists extends SnapshotException {
        public AlreadyExists(String id) {
            super("snapshot " + id + " already exists", null);
        }
    }

    /** No snapshot with that id. */
    public static final class NotFound extends SnapshotException {
        public NotFound(String id) {
            super("no snapshot " + id, null);
        }
    }

    /** A chunk is missing or its checksum differs: the snapshot must not be restored. */
    public static final class Corrupt extends SnapshotException {
        public Corrupt(String message) {
            super(message, null);
        }
    }

    /** The store's disk is full; the snapshot being written was dropped. */
    public static final class NoSpace extends SnapshotException {
        public NoSpace(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Any other storage failure, with the path and operation. */
    public static final class Storage extends SnapshotException {
        public Storage(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
