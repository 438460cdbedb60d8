package dev.molt.store;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore;
import dev.molt.snapshot.SnapshotStore.FileEntry;
import dev.molt.snapshot.SnapshotStore.Manifest;
import dev.molt.snapshot.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.rocksdb.WriteBatch;

/**
 * Writes one snapshot: cuts each file into {@link RocksSnapshotStore#CHUNK_BYTES} chunks, names
 * each by its SHA-256 (computed on a helper thread, see {@link ChunkHasher}), writes the chunks
 * it does not find in the store without the WAL, and at {@link #commit()} flushes them to synced
 * files before the one synced write of the manifest.
 * Every chunk it names stays pinned (safe from garbage collection) until it commits or aborts.
 */
final class RocksSnapshotWriter implements SnapshotWriter {

    private enum State { OPEN, COMMITTED, ABORTED, FAILED }

    private final RocksSnapshotStore snapshots;
    private final MoltStore store;
    private final String id;
    private final Map<String, String> labels;
    /** The database generation this writer's chunks went into; commit requires the same one. */
    private final long generation;

    private final List<FileEntry> files = new ArrayList<>();
    private final Set<String> fileNames = new HashSet<>();
    private final Set<String> pinned = new HashSet<>();
    private final byte[][] buffers = new byte[2][RocksSnapshotStore.CHUNK_BYTES];
    private ChunkHasher hasher;
    private long imageBytes;
    private long storedBytes;
    private State state = State.OPEN;
    private Exception failure;

    RocksSnapshotWriter(RocksSnapshotStore snapshots, MoltStore store, String id,
            Map<String, String> labels, long generation) {
        this.snapshots = snapshots;
        this.store = store;
        this.id = id;
        this.labels = labels;
        this.generation = generation;
    }

    @Override
    public void addFile(String name, int mode, InputStream in) throws IOException {
        requireOpen("add file " + name);
        RocksSnapshotStore.requirePlainFileName(name);
        if (!fileNames.add(name)) {
            throw new IllegalArgumentException(
                    "snapshot " + id + " already has a file named " + name);
        }
        addFile(name, mode, in, SnapshotStore.Progress.NONE, 0, -1);
    }

    @Override
    public void addDirectory(Path directory, SnapshotStore.Progress progress) throws IOException {
        requireOpen("add directory " + directory);
        var regular = new ArrayList<Path>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    regular.add(entry);
                }
            }
        }
        regular.sort(null);
        long total = 0;
        for (Path file : regular) {
            total += Files.size(file);
        }
        long done = 0;
        for (Path file : regular) {
            String name = file.getFileName().toString();
            if (!fileNames.add(name)) {
                throw new IllegalArgumentException(
                        "snapshot " + id + " already has a file named " + name);
            }
            int mode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            try (InputStream in = Files.newInputStream(file)) {
                done = addFile(name, mode & 07777, in, progress, done, total);
            }
        }
    }

    @Override
    public Manifest commit() throws IOException {
        requireOpen("commit");
        try {
            // Every chunk this writer names is now either committed already or in a memory table
            // of this generation: the flush puts all of them in synced files first.
            store.flush(Family.CHUNKS);
            Manifest manifest = snapshots.commit(id, labels, files, imageBytes, storedBytes,
                    generation);
            state = State.COMMITTED;
            return manifest;
        } catch (IOException | RuntimeException e) {
            fail(e);
            throw e;
        } finally {
            release();
        }
    }

    @Override
    public void abort() {
        if (state == State.OPEN) {
            state = State.ABORTED;
        }
        release();
    }

    @Override
    public void close() {
        abort();
    }

    /**
     * Reads, hashes and stores one file, overlapping three steps: while chunk i is stored, chunk
     * i+1 is being hashed (on the {@link ChunkHasher} thread) after having been read.
     */
    private long addFile(String name, int mode, InputStream in, SnapshotStore.Progress progress,
            long done, long total) throws IOException {
        var keys = new ArrayList<String>();
        long size = 0;
        try {
            byte[] current = buffers[0];
            byte[] next = buffers[1];
            int length = in.readNBytes(current, 0, current.length);
            Future<byte[]> digest = length > 0 ? hasher().submit(current, length) : null;
            while (length > 0) {
                int nextLength = length == next.length ? in.readNBytes(next, 0, next.length) : 0;
                byte[] currentDigest = ChunkHasher.await(digest);
                digest = nextLength > 0 ? hasher().submit(next, nextLength) : null;
                keys.add(putChunk(name, keys.size(), current, length, currentDigest));
                size += length;
                progress.update(done + size, total);
                byte[] swap = current;
                current = next;
                next = swap;
                length = nextLength;
            }
        } catch (IOException | RuntimeException e) {
            fail(e);
            throw e;
        }
        files.add(new FileEntry(name, size, mode, List.copyOf(keys)));
        imageBytes += size;
        return done + size;
    }

    /** Stores one chunk unless the store has it; returns its key. */
    private String putChunk(String file, int index, byte[] buffer, int length, byte[] digest)
            throws SnapshotException {
        String key = ChunkKeys.hex(digest);
        if (!pinned.add(key)) {
            return key; // written (or found) earlier by this writer
        }
        snapshots.pin(key);
        byte[] ledgerKey = ChunkKeys.ledgerKey(digest);
        boolean present = store.read("look up chunk " + key,
                h -> h.db().keyExists(h.cf(Family.CHUNKS), ledgerKey));
        if (present) {
            return key;
        }
        String operation = "write chunk " + index + " of " + file + " of snapshot " + id;
        store.ensureRoomFor(operation, length);
        byte[] value = length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
        store.write(operation, h -> {
            if (h.generation() != generation) {
                throw snapshots.droppedByReopen(id);
            }
            try (var batch = new WriteBatch()) {
                batch.put(h.cf(Family.CHUNKS), ChunkKeys.dataKey(digest), value);
                batch.put(h.cf(Family.CHUNKS), ledgerKey, ChunkKeys.ledgerValue(length));
                h.db().write(store.unloggedWrites, batch);
            }
            return null;
        });
        storedBytes += length;
        return key;
    }

    private void requireOpen(String operation) {
        if (state != State.OPEN) {
            var message = "cannot " + operation + ": the writer of snapshot " + id + " is "
                    + state.name().toLowerCase(java.util.Locale.ROOT);
            throw new IllegalStateException(
                    failure == null ? message : message + " (" + failure.getMessage() + ")",
                    failure);
        }
    }

    private void fail(Exception e) {
        if (state == State.OPEN) {
            state = State.FAILED;
            failure = e;
        }
        release();
    }

    private ChunkHasher hasher() {
        if (hasher == null) {
            hasher = new ChunkHasher("molt-hash-" + id);
        }
        return hasher;
    }

    /** Stops the hashing thread, unpins this writer's chunks and frees its id; idempotent. */
    private void release() {
        if (hasher != null) {
            hasher.close();
            hasher = null;
        }
        if (!pinned.isEmpty()) {
            snapshots.unpin(pinned);
            pinned.clear();
        }
        snapshots.writerDone(id, this);
    }
}
