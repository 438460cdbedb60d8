package dev.molt.store;

import dev.molt.journal.Journal;
import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.FlushOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.WriteOptions;

/**
 * Molt's one RocksDB database, in a directory of its own: the only class that owns RocksDB
 * handles. It hands out the {@link SnapshotStore} and {@link Journal} views over it.
 *
 * <p><b>Closing order.</b> {@link #close()} (idempotent, also run when opening fails half-way)
 * closes the column family handles, then the database, then every option object in reverse
 * order of creation (write/read/flush options, column family options, database options, and last
 * the bloom filter and block cache that the table options refer to).
 *
 * <p><b>Errors.</b> Every {@link RocksDBException} is caught here, once, and turned into a
 * {@link SnapshotException.NoSpace} (status IOError/NoSpace), {@link SnapshotException.Corrupt}
 * (status Corruption) or {@link SnapshotException.Storage}, naming the store's path and the
 * operation. Objects that live for one call only (write batches, iterators, compaction options)
 * are created and closed inside that call.
 *
 * <p><b>A full disk.</b> When a write fails for lack of space, RocksDB stops accepting writes
 * (a background error) and its Java API has no way to resume. The store then closes and reopens
 * the database: that drops chunk data still in memory (never committed, see {@link
 * RocksSnapshotStore}), keeps everything written through the WAL, and makes the journal writable
 * again. Snapshot writers that began before the reopen fail at commit ({@link #generation}).
 * Snapshot writers also keep {@link #DEFAULT_SPACE_RESERVE_BYTES} free for the journal and
 * manifests, so that usually the database never sees the full disk at all.
 */
public final class MoltStore implements AutoCloseable {

    /** Free space that chunk writes leave for journal records and manifests. */
    static final long DEFAULT_SPACE_RESERVE_BYTES = 32L << 20;
    /** A reserve that turns the free-space check off, so that tests can make RocksDB hit ENOSPC. */
    static final long NO_SPACE_GUARD = -1;

    private static final System.Logger LOG = System.getLogger(MoltStore.class.getName());

    private final Path dir;
    private final boolean readOnly;
    private final long spaceReserveBytes;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    /** Looked up once: each lookup parses the mount table, too slow for once per chunk. */
    private final FileStore fileStore;

    /** Option objects in creation order; closed in reverse, after the database. */
    private final List<AutoCloseable> optionObjects = new ArrayList<>();

    private final DBOptions dbOptions;
    private final List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    /** WAL on, fsync before returning: journal records, manifests, state transitions. */
    final WriteOptions syncedWrites;
    /** WAL off: chunk data, made durable by a flush before any manifest names it. */
    final WriteOptions unloggedWrites;
    /** WAL on, no fsync: garbage collection, whose loss only delays freeing space. */
    final WriteOptions loggedWrites;
    /** Reads of chunk data: read once, so kept out of the block cache. */
    final ReadOptions bulkReads;

    private final FlushOptions waitingFlush;

    // Guarded by gate: replaced when the store reopens after a full disk.
    private RocksDB db;
    private final EnumMap<Family, ColumnFamilyHandle> handles = new EnumMap<>(Family.class);
    private long generation;
    private boolean closed;
    private SnapshotException unusable;

    private final RocksSnapshotStore snapshots;
    private final RocksJournal journal;

    private MoltStore(Path dir, FileStore fileStore, boolean readOnly, long spaceReserveBytes) {
        this.dir = dir;
        this.fileStore = fileStore;
        this.readOnly = readOnly;
        this.spaceReserveBytes = spaceReserveBytes;
        try {
            Cache cache = own(StoreOptions.blockCache());
            Filter filter = own(StoreOptions.bloomFilter());
            dbOptions = own(StoreOptions.database(readOnly));
            for (Family family : Family.values()) {
                descriptors.add(new ColumnFamilyDescriptor(
                        family.nameBytes(), own(StoreOptions.family(family, cache, filter))));
            }
            syncedWrites = own(new WriteOptions().setSync(true));
            unloggedWrites = own(new WriteOptions().setDisableWAL(true));
            loggedWrites = own(new WriteOptions());
            bulkReads = own(new ReadOptions().setFillCache(false));
            waitingFlush = own(new FlushOptions().setWaitForFlush(true));
        } catch (RuntimeException | Error e) {
            closeOptions();
            throw e;
        }
        snapshots = new RocksSnapshotStore(this);
        journal = new RocksJournal(this);
    }

    /** Opens (creating if missing) the store in {@code dir}, a directory of its own. */
    public static MoltStore open(Path dir) throws IOException {
        return open(dir, false, DEFAULT_SPACE_RESERVE_BYTES);
    }

    /**
     * Opens an existing store for reading only (the restore path after kexec): no background
     * work, no writes; snapshot writers, deletes, garbage collection and journal writes throw
     * {@link IllegalStateException}. Records synced to the WAL are visible.
     */
    public static MoltStore openReadOnly(Path dir) throws IOException {
        return open(dir, true, DEFAULT_SPACE_RESERVE_BYTES);
    }

    static MoltStore open(Path dir, boolean readOnly, long spaceReserveBytes) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IOException("cannot open the Molt store at " + absolute
                    + ": it is a file, not a directory; give the store a directory of its own");
        }
        if (readOnly && !Files.isDirectory(absolute)) {
            throw new IOException("cannot open the Molt store at " + absolute
                    + " read-only: the directory does not exist");
        }
        Files.createDirectories(absolute);
        RocksDB.loadLibrary();
        var store = new MoltStore(absolute, Files.getFileStore(absolute), readOnly, spaceReserveBytes);
        try {
            store.openDatabase();
        } catch (RocksDBException e) {
            store.close();
            throw store.failure(readOnly ? "open read-only" : "open", e);
        }
        return store;
    }

    public SnapshotStore snapshots() {
        return snapshots;
    }

    public Journal journal() {
        return journal;
    }

    public Path path() {
        return dir;
    }

    /** Bytes of all files in the store's directory (tables, blob files, logs). */
    public long usedBytes() {
        long total = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                total += sizeOrZero(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure the Molt store at " + dir, e);
        }
        return total;
    }

    /** Bytes available to this process on the filesystem that holds the store. */
    public long freeBytes() {
        try {
            return fileStore.getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read free space of the filesystem of " + dir, e);
        }
    }

    boolean isReadOnly() {
        return readOnly;
    }

    /** Closes the database and every option object, in the order documented above. Idempotent. */
    @Override
    public void close() {
        gate.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeDatabase();
            closeOptions();
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** What an operation sees of the database; valid only inside {@link #read} or {@link #write}. */
    record Handles(RocksDB db, Map<Family, ColumnFamilyHandle> families, long generation) {
        ColumnFamilyHandle cf(Family family) {
            return families.get(family);
        }
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Handles handles) throws RocksDBException, SnapshotException;
    }

    /** Runs a read against the current database, mapping RocksDB's errors once. */
    <T> T read(String operation, Work<T> work) throws SnapshotException {
        return run(operation, work, false);
    }

    /** Runs a write; a full disk makes the store reopen (see the class comment), then throws. */
    <T> T write(String operation, Work<T> work) throws SnapshotException {
        if (readOnly) {
            throw new IllegalStateException("cannot " + operation + ": the Molt store at " + dir
                    + " is open read-only");
        }
        return run(operation, work, true);
    }

    /** Waits until the family's memory tables are in synced files. */
    void flush(Family family) throws SnapshotException {
        write("flush " + family.rocksName(), h -> {
            h.db().flush(waitingFlush, h.cf(family));
            return null;
        });
    }

    /**
     * Refuses a chunk write that would leave less than the reserve free, counting chunk data still
     * in memory as already on disk.
     */
    void ensureRoomFor(String operation, long bytes) throws SnapshotException {
        if (spaceReserveBytes == NO_SPACE_GUARD) {
            return;
        }
        long unflushed = read("measure unflushed chunk data",
                h -> h.db().getLongProperty(h.cf(Family.CHUNKS), "rocksdb.cur-size-all-mem-tables"));
        long free = freeBytes();
        if (free - unflushed - bytes < spaceReserveBytes) {
            throw new SnapshotException.NoSpace("Molt store at " + dir + ": " + operation
                    + " refused: " + mib(free) + " free, " + mib(unflushed)
                    + " of chunk data not yet on disk, " + mib(spaceReserveBytes)
                    + " kept for the journal; free space on that filesystem, or delete snapshots"
                    + " and collect garbage", null);
        }
    }

    SnapshotException failure(String operation, RocksDBException e) {
        Status status = e.getStatus();
        boolean noSpace = status != null && status.getSubCode() == Status.SubCode.NoSpace
                || String.valueOf(e.getMessage()).contains("No space left on device");
        String what = "Molt store at " + dir + ": " + operation + " failed: " + e.getMessage();
        if (noSpace) {
            return new SnapshotException.NoSpace(what + "; the disk is full: free space on that"
                    + " filesystem, or delete snapshots and collect garbage", e);
        }
        if (status != null && status.getCode() == Status.Code.Corruption) {
            return new SnapshotException.Corrupt(what + " (the store's files are damaged)");
        }
        return new SnapshotException.Storage(what, e);
    }

    private <T> T run(String operation, Work<T> work, boolean writing) throws SnapshotException {
        long seenGeneration;
        RocksDBException failed;
        gate.readLock().lock();
        try {
            ensureUsable(operation);
            seenGeneration = generation;
            try {
                return work.run(new Handles(db, handles, generation));
            } catch (RocksDBException e) {
                failed = e;
            }
        } finally {
            gate.readLock().unlock();
        }
        SnapshotException mapped = failure(operation, failed);
        if (writing && mapped instanceof SnapshotException.NoSpace) {
            reopenAfterNoSpace(seenGeneration);
        }
        throw mapped;
    }

    private void ensureUsable(String operation) throws SnapshotException {
        if (closed) {
            throw new IllegalStateException(
                    "cannot " + operation + ": the Molt store at " + dir + " is closed");
        }
        if (unusable != null) {
            throw new SnapshotException.Storage("cannot " + operation + ": the Molt store at " + dir
                    + " failed to reopen after its disk filled up; close it and open it again",
                    unusable);
        }
    }

    private void reopenAfterNoSpace(long failedGeneration) {
        gate.writeLock().lock();
        try {
            if (closed || unusable != null || generation != failedGeneration) {
                return; // closed meanwhile, or another thread already reopened it
            }
            LOG.log(System.Logger.Level.WARNING,
                    "Molt store at {0}: disk full, reopening the database to drop unflushed chunks",
                    dir);
            closeDatabase();
            try {
                openDatabase();
                generation++;
            } catch (RocksDBException e) {
                unusable = failure("reopen after the disk filled up", e);
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    private void openDatabase() throws RocksDBException {
        var opened = new ArrayList<ColumnFamilyHandle>();
        String path = dir.toString();
        db = readOnly
                ? RocksDB.openReadOnly(dbOptions, path, descriptors, opened, false)
                : RocksDB.open(dbOptions, path, descriptors, opened);
        Family[] families = Family.values();
        for (int i = 0; i < families.length; i++) {
            handles.put(families[i], opened.get(i));
        }
    }

    private void closeDatabase() {
        handles.values().forEach(ColumnFamilyHandle::close);
        handles.clear();
        if (db != null) {
            try {
                db.closeE();
            } catch (RocksDBException e) {
                LOG.log(System.Logger.Level.WARNING, "Molt store at " + dir + ": close failed", e);
            }
            db = null;
        }
    }

    private void closeOptions() {
        for (int i = optionObjects.size() - 1; i >= 0; i--) {
            try {
                optionObjects.get(i).close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "Molt store at " + dir + ": close failed", e);
            }
        }
        optionObjects.clear();
    }

    private <T extends AutoCloseable> T own(T object) {
        optionObjects.add(object);
        return object;
    }

    private static long sizeOrZero(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0; // deleted by a background job while we listed
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
