package dev.molt.journal;

import java.util.List;
import java.util.Optional;

/**
 * Append-only, synced records in named streams (one stream per upgrade or livepatch operation),
 * plus a small synced key-value index (request ids, the active upgrade).
 *
 * <p>Every write returns only after it is on disk (fsync of the write-ahead log): the coordinator
 * writes a transition before it acts, so after a crash the journal says what may have happened.
 * Records are opaque bytes; the coordinator encodes them.
 *
 * <p>Storage failures are {@link java.io.UncheckedIOException}s whose cause names the store's
 * path and the operation ({@code dev.molt.snapshot.SnapshotException.NoSpace} when the disk is
 * full). Stream names and index keys are non-empty and hold no NUL character.
 */
public interface Journal {

    /** Appends a record to a stream and syncs it. Returns its sequence number, 1 for the first. */
    long append(String stream, byte[] record);

    /** Records of a stream with sequence numbers greater than {@code afterSequence}, in order. */
    List<Entry> read(String stream, long afterSequence);

    /** The last record of a stream, if any. */
    Optional<Entry> last(String stream);

    /** Every stream's name, in creation order. */
    List<String> streams();

    /** Sets an index key, synced. */
    void put(String key, byte[] value);

    Optional<byte[]> get(String key);

    /** Removes an index key, synced. */
    void remove(String key);

    record Entry(String stream, long sequence, byte[] record) {}
}
