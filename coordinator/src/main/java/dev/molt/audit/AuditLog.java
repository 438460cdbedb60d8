package dev.molt.audit;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.molt.api.v1.AuditEntry;
import dev.molt.journal.Journal;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit log: one journal stream ({@value #STREAM}) in the store, one synced record per entry,
 * so that it survives crashes, restarts and kexec like the upgrades it records. Entries are never
 * rewritten; their sequence is the journal's.
 */
public final class AuditLog {
    static final String STREAM = "audit";

    private final Journal journal;

    public AuditLog(Journal journal) {
        this.journal = journal;
    }

    /** Appends an entry (its sequence is ignored: the journal numbers it) and syncs it. */
    public long append(AuditEntry entry) {
        return journal.append(STREAM, entry.toByteArray());
    }

    /** The newest {@code limit} entries, newest first. */
    public List<AuditEntry> recent(int limit) {
        long last = journal.last(STREAM).map(Journal.Entry::sequence).orElse(0L);
        List<AuditEntry> entries = new ArrayList<>();
        for (Journal.Entry e : journal.read(STREAM, Math.max(0, last - limit))) {
            entries.add(parse(e).toBuilder().setSequence(e.sequence()).build());
        }
        return entries.reversed();
    }

    /** How many entries there are (the last sequence). */
    public long size() {
        return journal.last(STREAM).map(Journal.Entry::sequence).orElse(0L);
    }

    private static AuditEntry parse(Journal.Entry e) {
        try {
            return AuditEntry.parseFrom(e.record());
        } catch (InvalidProtocolBufferException x) {
            return AuditEntry.newBuilder().setMethod("?").setMessage("unreadable audit record " + e.sequence() + ": " + x.getMessage()).build();
        }
    }
}
