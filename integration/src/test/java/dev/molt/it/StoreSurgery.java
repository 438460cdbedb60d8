package dev.molt.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * Damages a stopped daemon's store the way bit rot would, below RocksDB's own checks: the bytes
 * under one chunk key are replaced by the same bytes with one bit flipped. Only Molt's own
 * checksum (the chunk's SHA-256, its key) can tell. Opens the database with org.rocksdb directly,
 * knowing only the store's on-disk contract: a "chunks" column family whose data keys are 'C'
 * followed by the chunk's 32-byte SHA-256 (dev.molt.store.ChunkKeys).
 */
final class StoreSurgery {
    private static final String CHUNKS = "chunks";
    private static final byte DATA = 'C';

    private StoreSurgery() {}

    /** Flips one bit in the middle of the largest chunk; returns that chunk's key as 64 hex characters. */
    static String corruptLargestChunk(Path store) throws RocksDBException {
        RocksDB.loadLibrary();
        List<byte[]> names;
        try (Options options = new Options()) {
            names = RocksDB.listColumnFamilies(options, store.toString());
        }
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        List<ColumnFamilyOptions> familyOptions = new ArrayList<>();
        for (byte[] name : names) {
            ColumnFamilyOptions o = new ColumnFamilyOptions();
            familyOptions.add(o);
            descriptors.add(new ColumnFamilyDescriptor(name, o));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions db = new DBOptions();
                RocksDB rocks = RocksDB.open(db, store.toString(), descriptors, handles);
                WriteOptions synced = new WriteOptions().setSync(true);
                FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
            ColumnFamilyHandle chunks = null;
            for (int i = 0; i < names.size(); i++) {
                if (new String(names.get(i), StandardCharsets.UTF_8).equals(CHUNKS)) {
                    chunks = handles.get(i);
                }
            }
            if (chunks == null) {
                throw new IllegalStateException("the store at " + store + " has no '" + CHUNKS + "' column family: "
                        + names.stream().map(n -> new String(n, StandardCharsets.UTF_8)).toList());
            }
            byte[] victim = null;
            byte[] value = null;
            try (RocksIterator it = rocks.newIterator(chunks)) {
                for (it.seek(new byte[] {DATA}); it.isValid() && it.key()[0] == DATA; it.next()) {
                    if (value == null || it.value().length > value.length) {
                        victim = it.key();
                        value = it.value();
                    }
                }
            }
            if (victim == null) {
                throw new IllegalStateException("the store at " + store + " holds no chunk");
            }
            byte[] damaged = value.clone();
            damaged[damaged.length / 2] ^= 0x10;
            rocks.put(chunks, synced, victim, damaged);
            rocks.flush(flush, chunks);
            return HexFormat.of().formatHex(Arrays.copyOfRange(victim, 1, victim.length));
        } finally {
            handles.forEach(ColumnFamilyHandle::close);
            familyOptions.forEach(ColumnFamilyOptions::close);
        }
    }
}
