package dev.molt.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Writes one snapshot. Not thread-safe. Either {@link #commit()} or {@link #abort()} must be
 * called; {@link #close()} aborts an uncommitted writer.
 */
public interface SnapshotWriter extends AutoCloseable {

    /** Adds one image file read from {@code in}; the name must be a plain file name (no '/'). */
    void addFile(String name, int mode, InputStream in) throws IOException;

    /** Adds every regular file of a directory (CRIU's image directory), not recursing. */
    void addDirectory(Path directory, SnapshotStore.Progress progress) throws IOException;

    /**
     * Makes the snapshot visible, atomically, after every chunk written is durable.
     *
     * @throws SnapshotException.NoSpace when the store's disk is full; nothing becomes visible
     */
    SnapshotStore.Manifest commit() throws IOException;

    /** Drops what was written; its chunks become garbage. */
    void abort();

    @Override
    void close();
}
