package dev.molt.store;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore.FileEntry;
import java.security.MessageDigest;

/** Checks of chunk bytes against what a manifest says they must be. */
final class ChunkCheck {

    private ChunkCheck() {}

    /** A chunk as read, with what is wrong with it ("" when sound, bytes null when unusable). */
    record Checked(byte[] bytes, String problem) {
        boolean sound() {
            return problem.isEmpty();
        }
    }

    @FunctionalInterface
    interface ChunkSource {
        byte[] read() throws SnapshotException;
    }

    /** Reads a chunk and checks it; damage RocksDB itself detects counts as a problem too. */
    static Checked read(String key, ChunkSource source, long expectedLength)
            throws SnapshotException {
        try {
            byte[] bytes = source.read();
            String problem = problem(key, bytes, expectedLength);
            return new Checked(problem.isEmpty() ? bytes : null, problem);
        } catch (SnapshotException.Corrupt e) {
            return new Checked(null, "chunk " + key + " is unreadable: " + e.getMessage());
        }
    }

    /** What is wrong with a chunk's bytes, or "" when they are sound. */
    static String problem(String key, byte[] bytes, long expectedLength) {
        if (bytes == null) {
            return "chunk " + key + " is missing";
        }
        if (bytes.length != expectedLength) {
            return "chunk " + key + " has " + bytes.length + " bytes, expected " + expectedLength;
        }
        byte[] actual = ChunkKeys.newDigest().digest(bytes);
        if (!MessageDigest.isEqual(actual, ChunkKeys.digest(key))) {
            return "chunk " + key + " fails its checksum (SHA-256 " + ChunkKeys.hex(actual) + ")";
        }
        return "";
    }

    /** The length chunk {@code index} of a file must have. */
    static long length(FileEntry file, int index) {
        long before = (long) index * RocksSnapshotStore.CHUNK_BYTES;
        return Math.min(RocksSnapshotStore.CHUNK_BYTES, file.size() - before);
    }

    /** Why the file's chunk list cannot describe its size, or null when it can. */
    static String layoutProblem(FileEntry file) {
        long expected = (file.size() + RocksSnapshotStore.CHUNK_BYTES - 1) / RocksSnapshotStore.CHUNK_BYTES;
        if (file.size() < 0 || file.chunkKeys().size() != expected) {
            return "file " + file.name() + " of " + file.size() + " bytes lists "
                    + file.chunkKeys().size() + " chunks, expected " + expected;
        }
        return null;
    }

    /** Names a chunk for messages: "snapshot S, file F, chunk 3 of 7". Index is 0-based. */
    static String where(String snapshotId, FileEntry file, int index) {
        return "snapshot " + snapshotId + ", file " + file.name() + ", chunk " + (index + 1)
                + " of " + file.chunkKeys().size() + " (index " + index + ")";
    }
}
