package dev.molt.store;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore;
import dev.molt.snapshot.SnapshotWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.MutableColumnFamilyOptions;
import org.rocksdb.WriteBatch;

/**
 * Snapshots in the {@link Family#MANIFESTS} and {@link Family#CHUNKS} families.
 *
 * <p><b>Atomic visibility.</b> A writer puts its chunks with the WAL off: they go to a memory
 * table only, so image bytes are written to disk once, not twice. {@code commit} then flushes
 * the chunk family and waits: RocksDB writes the memory tables to table and blob files, fsyncs
 * them, and syncs its own MANIFEST and the directory before the flush returns. Only then is the
 * snapshot's manifest written, in one synced WAL write. A crash before that write loses the
 * unflushed chunks (nothing names them) and leaves flushed ones unreferenced; a crash after it
 * finds every chunk on disk. There is no state in which a manifest names a missing chunk.
 *
 * <p><b>Garbage.</b> Chunks are shared by content, so a chunk is garbage when no manifest and no
 * open writer (a pin) names it. Pins, commits and the deleting half of {@link #collectGarbage()}
 * take the same lock ({@code catalog}), so a writer never counts on a chunk that garbage
 * collection is deleting. A writer that skips a chunk because the store has it pins it first
 * and looks second.
 *
 * <p>Methods that cannot throw checked exceptions report storage failures as {@link
 * UncheckedIOException} around a {@link SnapshotException}.
 */
final class RocksSnapshotStore implements SnapshotStore {

    static final int CHUNK_BYTES = 1 << 20;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    /** Blob garbage above this share of blob bytes is rewritten away by collectGarbage. */
    private static final double MAX_BLOB_GARBAGE_RATIO = 0.25;

    private final MoltStore store;
    private final Object catalog = new Object();
    /** Chunk key to number of open writers naming it. Guarded by catalog. */
    private final Map<String, Integer> pins = new HashMap<>();
    /** Ids with an open writer. Guarded by catalog. */
    private final Map<String, SnapshotWriter> writing = new HashMap<>();
    private long lastCreatedAtMillis;

    RocksSnapshotStore(MoltStore store) {
        this.store = store;
    }

    @Override
    public SnapshotWriter begin(String snapshotId, Map<String, String> labels) {
        requireValidId(snapshotId);
        var labelCopy = new LinkedHashMap<String, String>();
        labels.forEach((k, v) -> labelCopy.put(
                requireNonNull(k, "label key"), requireNonNull(v, "label " + k)));
        if (store.isReadOnly()) {
            throw new IllegalStateException("cannot write snapshot " + snapshotId
                    + ": the Molt store at " + store.path() + " is open read-only");
        }
        synchronized (catalog) {
            if (manifest(snapshotId).isPresent()) {
                throw new UncheckedIOException(new SnapshotException.AlreadyExists(snapshotId));
            }
            if (writing.containsKey(snapshotId)) {
                throw new IllegalStateException("snapshot " + snapshotId
                        + " is being written by another writer; commit or abort that one first");
            }
            long generation = unchecked(() -> store.read("begin snapshot " + snapshotId,
                    MoltStore.Handles::generation));
            var writer = new RocksSnapshotWriter(this, store, snapshotId, labelCopy, generation);
            writing.put(snapshotId, writer);
            return writer;
        }
    }

    @Override
    public Optional<Manifest> manifest(String snapshotId) {
        requireValidId(snapshotId);
        byte[] stored = unchecked(() -> store.read("read manifest of " + snapshotId,
                h -> h.db().get(h.cf(Family.MANIFESTS), idKey(snapshotId))));
        return stored == null
                ? Optional.empty()
                : Optional.of(unchecked(() -> ManifestCodec.decode(snapshotId, stored)));
    }

    @Override
    public List<Manifest> list() {
        var manifests = new ArrayList<Manifest>();
        for (var entry : unchecked(this::storedManifests).entrySet()) {
            manifests.add(unchecked(() -> ManifestCodec.decode(entry.getKey(), entry.getValue())));
        }
        manifests.sort(Comparator.comparingLong(Manifest::createdAtMillis).reversed()
                .thenComparing(Manifest::id));
        return List.copyOf(manifests);
    }

    @Override
    public VerifyResult verify(String snapshotId) {
        Optional<Manifest> found = manifest(snapshotId);
        if (found.isEmpty()) {
            return new VerifyResult(snapshotId, false, List.of("no snapshot " + snapshotId), 0);
        }
        var problems = new ArrayList<String>();
        var checked = new HashMap<String, String>(); // chunk key -> problem, "" when sound
        long bytesChecked = 0;
        for (FileEntry file : found.get().files()) {
            String layout = ChunkCheck.layoutProblem(file);
            if (layout != null) {
                problems.add(layout);
                continue;
            }
            for (int i = 0; i < file.chunkKeys().size(); i++) {
                String key = file.chunkKeys().get(i);
                if (!checked.containsKey(key)) {
                    long length = ChunkCheck.length(file, i);
                    checked.put(key, unchecked(
                            () -> ChunkCheck.read(key, () -> readChunk(key), length).problem()));
                    bytesChecked += length;
                }
                if (!checked.get(key).isEmpty()) {
                    problems.add(ChunkCheck.where(snapshotId, file, i) + ": " + checked.get(key));
                }
            }
        }
        return new VerifyResult(snapshotId, problems.isEmpty(), List.copyOf(problems), bytesChecked);
    }

    @Override
    public void export(String snapshotId, Path directory, Progress progress) throws IOException {
        Manifest manifest = manifest(snapshotId)
                .orElseThrow(() -> new SnapshotException.NotFound(snapshotId));
        new SnapshotExport(this, manifest, directory, progress).run();
    }

    /** Deletes the manifest (synced); deleting a missing snapshot does nothing. */
    @Override
    public void delete(String snapshotId) {
        requireValidId(snapshotId);
        unchecked(() -> store.write("delete snapshot " + snapshotId, h -> {
            h.db().delete(h.cf(Family.MANIFESTS), store.syncedWrites, idKey(snapshotId));
            return null;
        }));
    }

    /**
     * Deletes unreferenced, unpinned chunks, then compacts the chunk family so that their blob
     * files go; if dead blobs still hold more than a quarter of the blob bytes (files shared with
     * live chunks), one more compaction with blob GC rewrites the live ones elsewhere. {@code
     * bytesFreed} counts the deleted chunks' uncompressed bytes.
     */
    @Override
    public GcResult collectGarbage() {
        return unchecked(() -> {
            GcResult result;
            synchronized (catalog) {
                Set<String> live = referencedChunks();
                live.addAll(pins.keySet());
                result = store.write("delete unreferenced chunks", h -> {
                    long chunks = 0;
                    long bytes = 0;
                    try (var it = h.db().newIterator(h.cf(Family.CHUNKS));
                            var batch = new WriteBatch()) {
                        for (it.seek(new byte[] {ChunkKeys.LEDGER});
                                it.isValid() && it.key()[0] == ChunkKeys.LEDGER; it.next()) {
                            byte[] digest = ChunkKeys.digestOf(it.key());
                            if (!live.contains(ChunkKeys.hex(digest))) {
                                batch.delete(h.cf(Family.CHUNKS), ChunkKeys.dataKey(digest));
                                batch.delete(h.cf(Family.CHUNKS), it.key());
                                chunks++;
                                bytes += ChunkKeys.ledgerLength(it.value());
                            }
                        }
                        it.status();
                        if (chunks > 0) {
                            h.db().write(store.loggedWrites, batch);
                        }
                    }
                    return new GcResult(chunks, bytes);
                });
            }
            if (result.chunksDeleted() > 0) {
                reclaimSpace();
            }
            return result;
        });
    }

    // ---- used by RocksSnapshotWriter and SnapshotExport ----

    MoltStore store() {
        return store;
    }

    /** A chunk's bytes, null when missing; throws Corrupt when RocksDB finds them damaged. */
    byte[] readChunk(String key) throws SnapshotException {
        byte[] dataKey = ChunkKeys.dataKey(ChunkKeys.digest(key));
        return store.read("read chunk " + key,
                h -> h.db().get(h.cf(Family.CHUNKS), store.bulkReads, dataKey));
    }

    void pin(String key) {
        synchronized (catalog) {
            pins.merge(key, 1, Integer::sum);
        }
    }

    void unpin(Collection<String> keys) {
        synchronized (catalog) {
            for (String key : keys) {
                pins.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    void writerDone(String id, SnapshotWriter writer) {
        synchronized (catalog) {
            writing.remove(id, writer);
        }
    }

    /** Writes the manifest of a writer whose chunks are durable; one synced write. */
    Manifest commit(String id, Map<String, String> labels, List<FileEntry> files, long imageBytes,
            long storedBytes, long generation) throws SnapshotException {
        synchronized (catalog) {
            long createdAt = Math.max(System.currentTimeMillis(), lastCreatedAtMillis + 1);
            var manifest = ManifestCodec.normalized(
                    new Manifest(id, createdAt, labels, files, imageBytes, storedBytes));
            byte[] encoded = ManifestCodec.encode(manifest);
            store.write("commit snapshot " + id, h -> {
                if (h.generation() != generation) {
                    throw droppedByReopen(id);
                }
                if (h.db().get(h.cf(Family.MANIFESTS), idKey(id)) != null) {
                    throw new SnapshotException.AlreadyExists(id);
                }
                h.db().put(h.cf(Family.MANIFESTS), store.syncedWrites, idKey(id), encoded);
                return null;
            });
            lastCreatedAtMillis = createdAt;
            return manifest;
        }
    }

    SnapshotException.NoSpace droppedByReopen(String id) {
        return new SnapshotException.NoSpace("snapshot " + id + " cannot be completed: the Molt"
                + " store at " + store.path() + " was reopened after its disk filled up while"
                + " the snapshot was being written, which dropped its unflushed chunks; abort it"
                + " and write it again once there is space", null);
    }

    static void requirePlainFileName(String name) {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")
                || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("snapshot file name '" + name
                    + "' is not a plain file name: it must be non-empty, not . or .., and"
                    + " hold no '/' or NUL");
        }
    }

    // ---- internals ----

    private void reclaimSpace() throws SnapshotException {
        store.flush(Family.CHUNKS);
        compactChunks();
        double garbage = store.read("measure blob garbage", h -> {
            long total = h.db().getLongProperty(h.cf(Family.CHUNKS), "rocksdb.total-blob-file-size");
            long dead = h.db().getLongProperty(h.cf(Family.CHUNKS),
                    "rocksdb.live-blob-file-garbage-size");
            return total == 0 ? 0.0 : (double) dead / total;
        });
        if (garbage > MAX_BLOB_GARBAGE_RATIO) {
            setBlobGc(true);
            try {
                compactChunks();
            } finally {
                setBlobGc(false);
            }
        }
    }

    private void compactChunks() throws SnapshotException {
        store.write("compact chunks", h -> {
            try (var options = new CompactRangeOptions().setBottommostLevelCompaction(
                    CompactRangeOptions.BottommostLevelCompaction.kForce)) {
                h.db().compactRange(h.cf(Family.CHUNKS), null, null, options);
            }
            return null;
        });
    }

    private void setBlobGc(boolean on) throws SnapshotException {
        var options = MutableColumnFamilyOptions.builder()
                .setEnableBlobGarbageCollection(on)
                .setBlobGarbageCollectionAgeCutoff(on ? 1.0 : 0.25)
                .build();
        store.write("switch blob garbage collection " + (on ? "on" : "off"), h -> {
            h.db().setOptions(h.cf(Family.CHUNKS), options);
            return null;
        });
    }

    private Map<String, byte[]> storedManifests() throws SnapshotException {
        return store.read("list manifests", h -> {
            var stored = new LinkedHashMap<String, byte[]>();
            try (var it = h.db().newIterator(h.cf(Family.MANIFESTS))) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    stored.put(new String(it.key(), StandardCharsets.UTF_8), it.value());
                }
                it.status();
            }
            return stored;
        });
    }

    /** Every chunk key a committed manifest names; an unreadable manifest stops the caller. */
    private Set<String> referencedChunks() throws SnapshotException {
        var keys = new HashSet<String>();
        for (var entry : storedManifests().entrySet()) {
            var manifest = ManifestCodec.decode(entry.getKey(), entry.getValue());
            manifest.files().forEach(file -> keys.addAll(file.chunkKeys()));
        }
        return keys;
    }

    private static byte[] idKey(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }

    private static void requireValidId(String id) {
        if (id == null || !ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new IllegalArgumentException("invalid snapshot id '" + id + "': use 1 to 128"
                    + " characters of A-Z, a-z, 0-9, '.', '_' and '-' (not . or ..)");
        }
    }

    private static String requireNonNull(String s, String what) {
        if (s == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        return s;
    }

    @FunctionalInterface
    private interface StoreCall<T> {
        T call() throws SnapshotException;
    }

    private static <T> T unchecked(StoreCall<T> call) {
        try {
            return call.call();
        } catch (SnapshotException e) {
            throw new UncheckedIOException(e);
        }
    }
}
