package dev.molt.snapshot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshots of process trees: CRIU's image files, cut into checksummed, compressed chunks.
 *
 * <p>Methods without a checked exception report storage failures as {@link
 * java.io.UncheckedIOException} whose cause is a {@link SnapshotException} (NoSpace, Corrupt or
 * Storage) naming the store's path and the operation.
 *
 * <p>A snapshot is visible only once its manifest is committed, and the commit happens only after
 * every chunk it names is durable: a crash mid-snapshot leaves chunks that nothing references
 * (collected by {@link #collectGarbage()}), never a manifest that names missing data.
 */
public interface SnapshotStore {

    /**
     * Starts writing a snapshot. Nothing is visible until {@link SnapshotWriter#commit()}.
     *
     * <p>This method declares no checked exception, so a committed snapshot of the same id is
     * reported as an {@link java.io.UncheckedIOException} whose cause is {@link
     * SnapshotException.AlreadyExists}; {@link SnapshotWriter#commit()} throws AlreadyExists
     * itself if one is committed meanwhile.
     *
     * @throws java.io.UncheckedIOException with cause {@link SnapshotException.AlreadyExists} if
     *     a snapshot with this id is committed
     * @throws IllegalStateException if another open writer uses this id, or the store is
     *     read-only
     * @throws IllegalArgumentException if the id is empty, longer than 128 characters, holds
     *     characters other than {@code [A-Za-z0-9._-]}, or is {@code .} or {@code ..}
     */
    SnapshotWriter begin(String snapshotId, Map<String, String> labels);

    /** The committed snapshot's manifest, or empty. */
    Optional<Manifest> manifest(String snapshotId);

    /** Every committed snapshot, newest first. */
    List<Manifest> list();

    /** Reads every chunk of the snapshot and checks it against the manifest. */
    VerifyResult verify(String snapshotId);

    /**
     * Writes the snapshot's files into {@code directory} (created if missing), checking every
     * chunk's checksum before its bytes are written. On any mismatch or missing chunk the files
     * written so far are deleted and {@link SnapshotException.Corrupt} names the file and chunk.
     */
    void export(String snapshotId, Path directory, Progress progress) throws IOException;

    /**
     * Deletes the manifest (synced); the chunks go at the next {@link #collectGarbage()}.
     * Deleting a snapshot that does not exist does nothing.
     */
    void delete(String snapshotId);

    /** Deletes chunks that no committed manifest references. */
    GcResult collectGarbage();

    /** Bytes moved so far out of a total (-1 when unknown). */
    @FunctionalInterface
    interface Progress {
        Progress NONE = (done, total) -> {};

        void update(long bytesDone, long bytesTotal);
    }

    record GcResult(long chunksDeleted, long bytesFreed) {}

    record VerifyResult(String snapshotId, boolean ok, List<String> problems, long bytesChecked) {}

    /** One image file of a snapshot. */
    record FileEntry(String name, long size, int mode, List<String> chunkKeys) {}

    /** What a committed snapshot holds. */
    record Manifest(
            String id,
            long createdAtMillis,
            Map<String, String> labels,
            List<FileEntry> files,
            long imageBytes,
            long storedBytes) {}
}
