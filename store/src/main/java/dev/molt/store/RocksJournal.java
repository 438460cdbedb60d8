package dev.molt.store;

import dev.molt.journal.Journal;
import dev.molt.snapshot.SnapshotException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * The journal in the {@link Family#JOURNAL} and {@link Family#JOURNAL_INDEX} families. Keys of
 * the journal family:
 *
 * <ul>
 *   <li>{@code 'R' + stream (UTF-8) + 0x00 + sequence (8 bytes, big-endian)}: a record. The
 *       separator keeps one stream's records together and apart from a stream whose name
 *       extends this one's; big-endian sequences sort in numeric order.
 *   <li>{@code 'S' + ordinal (8 bytes, big-endian)}: a stream's name, written in the same batch
 *       as its first record; iterating them gives the streams in creation order.
 * </ul>
 *
 * Every write is one synced batch. Sequence numbers are read back from the last key of a stream,
 * so they continue after a reopen. Storage failures are {@link UncheckedIOException}s around a
 * {@link SnapshotException.NoSpace} or {@link SnapshotException.Storage} naming the store's path
 * and the operation. A write refused for lack of space is tried once more after the store has
 * reopened (which drops unflushed snapshot data): the journal must be writable exactly when a
 * snapshot has filled the disk.
 */
final class RocksJournal implements Journal {

    private static final byte RECORD = 'R';
    private static final byte STREAM = 'S';
    private static final int MAX_NAME_BYTES = 1024;

    private final MoltStore store;
    /** Last sequence of each stream seen by this process. Guarded by this. */
    private final Map<String, Long> lastSequences = new HashMap<>();
    /** Ordinal for the next new stream, or -1 until read from the database. Guarded by this. */
    private long nextOrdinal = -1;

    RocksJournal(MoltStore store) {
        this.store = store;
    }

    @Override
    public synchronized long append(String stream, byte[] record) {
        byte[] prefix = recordPrefix(stream);
        if (record == null) {
            throw new IllegalArgumentException("journal record for stream " + stream + " is null");
        }
        long last = lastSequence(stream, prefix);
        long sequence = last + 1;
        long ordinal = last == 0 ? nextOrdinal() : -1;
        writeRetryingOnce("append to journal stream " + stream, h -> {
            try (var batch = new WriteBatch()) {
                if (ordinal >= 0) {
                    batch.put(h.cf(Family.JOURNAL), streamKey(ordinal), utf8(stream));
                }
                batch.put(h.cf(Family.JOURNAL), withLong(prefix, sequence), record);
                h.db().write(store.syncedWrites, batch);
            }
            return null;
        });
        if (ordinal >= 0) {
            nextOrdinal = ordinal + 1;
        }
        lastSequences.put(stream, sequence);
        return sequence;
    }

    @Override
    public List<Entry> read(String stream, long afterSequence) {
        byte[] prefix = recordPrefix(stream);
        long from = Math.max(afterSequence, 0) + 1;
        return call("read journal stream " + stream, h -> {
            var entries = new ArrayList<Entry>();
            try (RocksIterator it = h.db().newIterator(h.cf(Family.JOURNAL))) {
                for (it.seek(withLong(prefix, from)); it.isValid() && startsWith(it.key(), prefix);
                        it.next()) {
                    entries.add(new Entry(stream, sequenceOf(it.key()), it.value()));
                }
                it.status();
            }
            return List.copyOf(entries);
        });
    }

    @Override
    public Optional<Entry> last(String stream) {
        byte[] prefix = recordPrefix(stream);
        return call("read last record of journal stream " + stream, h -> {
            try (RocksIterator it = h.db().newIterator(h.cf(Family.JOURNAL))) {
                it.seekForPrev(withLong(prefix, -1L)); // 0xFF..FF: after every sequence
                if (it.isValid() && startsWith(it.key(), prefix)) {
                    return Optional.of(new Entry(stream, sequenceOf(it.key()), it.value()));
                }
                it.status();
                return Optional.<Entry>empty();
            }
        });
    }

    @Override
    public List<String> streams() {
        return call("list journal streams", h -> {
            var names = new ArrayList<String>();
            try (RocksIterator it = h.db().newIterator(h.cf(Family.JOURNAL))) {
                for (it.seek(new byte[] {STREAM}); it.isValid() && it.key()[0] == STREAM;
                        it.next()) {
                    names.add(new String(it.value(), StandardCharsets.UTF_8));
                }
                it.status();
            }
            return List.copyOf(names);
        });
    }

    @Override
    public void put(String key, byte[] value) {
        byte[] k = indexKey(key);
        if (value == null) {
            throw new IllegalArgumentException("journal index value for " + key + " is null");
        }
        writeRetryingOnce("put journal index key " + key, h -> {
            h.db().put(h.cf(Family.JOURNAL_INDEX), store.syncedWrites, k, value);
            return null;
        });
    }

    @Override
    public Optional<byte[]> get(String key) {
        byte[] k = indexKey(key);
        return Optional.ofNullable(call("get journal index key " + key,
                h -> h.db().get(h.cf(Family.JOURNAL_INDEX), k)));
    }

    @Override
    public void remove(String key) {
        byte[] k = indexKey(key);
        writeRetryingOnce("remove journal index key " + key, h -> {
            h.db().delete(h.cf(Family.JOURNAL_INDEX), store.syncedWrites, k);
            return null;
        });
    }

    private long lastSequence(String stream, byte[] prefix) {
        Long cached = lastSequences.get(stream);
        if (cached != null) {
            return cached;
        }
        long last = last(stream).map(Entry::sequence).orElse(0L);
        lastSequences.put(stream, last);
        return last;
    }

    private long nextOrdinal() {
        if (nextOrdinal < 0) {
            nextOrdinal = call("read journal stream registry", h -> {
                try (RocksIterator it = h.db().newIterator(h.cf(Family.JOURNAL))) {
                    it.seekForPrev(withLong(new byte[] {STREAM}, -1L));
                    if (it.isValid() && it.key()[0] == STREAM) {
                        return sequenceOf(it.key()) + 1;
                    }
                    it.status();
                    return 0L;
                }
            });
        }
        return nextOrdinal;
    }

    private void writeRetryingOnce(String operation, MoltStore.Work<Void> work) {
        try {
            store.write(operation, work);
        } catch (SnapshotException.NoSpace first) {
            try {
                store.write(operation + " (again, after reopening the store)", work);
            } catch (SnapshotException second) {
                second.addSuppressed(first);
                throw new UncheckedIOException(second);
            }
        } catch (SnapshotException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T call(String operation, MoltStore.Work<T> work) {
        try {
            return store.read(operation, work);
        } catch (SnapshotException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] recordPrefix(String stream) {
        byte[] name = checkedName(stream, "journal stream name");
        byte[] prefix = new byte[name.length + 2];
        prefix[0] = RECORD;
        System.arraycopy(name, 0, prefix, 1, name.length);
        prefix[prefix.length - 1] = 0;
        return prefix;
    }

    private static byte[] indexKey(String key) {
        return checkedName(key, "journal index key");
    }

    private static byte[] checkedName(String name, String what) {
        if (name == null || name.isEmpty() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " '" + name + "' must be non-empty text"
                    + " without NUL characters");
        }
        byte[] bytes = utf8(name);
        if (bytes.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " is " + bytes.length
                    + " bytes long; at most " + MAX_NAME_BYTES + " are allowed");
        }
        return bytes;
    }

    private static byte[] streamKey(long ordinal) {
        return withLong(new byte[] {STREAM}, ordinal);
    }

    private static byte[] withLong(byte[] prefix, long value) {
        byte[] key = Arrays.copyOf(prefix, prefix.length + Long.BYTES);
        ByteBuffer.wrap(key, prefix.length, Long.BYTES).putLong(value);
        return key;
    }

    private static long sequenceOf(byte[] key) {
        return ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length == prefix.length + Long.BYTES
                && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
