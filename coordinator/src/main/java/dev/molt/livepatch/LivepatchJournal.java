package dev.molt.livepatch;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.molt.api.v1.PatchOperation;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.journal.Journal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Livepatch operations as streams in the journal ({@code livepatch/ID}), one synced record per
 * state, each a full copy of the operation: a restarted daemon reads the last one. The operation
 * under way is named by the index key {@code livepatch-active} until it ends.
 */
public final class LivepatchJournal {
    private static final String STREAM_PREFIX = "livepatch/";
    private static final String ACTIVE_KEY = "livepatch-active";

    private final Journal journal;
    private final Clock clock;

    public LivepatchJournal(Journal journal, Clock clock) {
        this.journal = journal;
        this.clock = clock;
    }

    /** Journals a new operation (its first state set by the caller) and marks it active. */
    public synchronized PatchOperation create(PatchOperation.Builder operation) {
        long now = clock.millis();
        PatchOperation created = operation.setId("lp-" + UUID.randomUUID().toString().substring(0, 13))
                .setCreatedAtMillis(now).setUpdatedAtMillis(now).build();
        journal.append(STREAM_PREFIX + created.getId(), created.toByteArray());
        journal.put(ACTIVE_KEY, created.getId().getBytes(StandardCharsets.UTF_8));
        return created;
    }

    /** Journals the operation's next state; an end state clears the active mark. */
    public synchronized PatchOperation transition(PatchOperation previous, PatchOperationState state, String message,
            Consumer<PatchOperation.Builder> edit) {
        PatchOperation.Builder next = previous.toBuilder().setState(state).setMessage(message)
                .setUpdatedAtMillis(clock.millis());
        edit.accept(next);
        PatchOperation record = next.build();
        journal.append(STREAM_PREFIX + record.getId(), record.toByteArray());
        if (isFinal(state)) {
            journal.get(ACTIVE_KEY).map(b -> new String(b, StandardCharsets.UTF_8))
                    .filter(record.getId()::equals).ifPresent(id -> journal.remove(ACTIVE_KEY));
        }
        return record;
    }

    public Optional<PatchOperation> active() {
        return journal.get(ACTIVE_KEY).map(b -> new String(b, StandardCharsets.UTF_8)).flatMap(this::last);
    }

    public Optional<PatchOperation> last(String id) {
        return journal.last(STREAM_PREFIX + id).map(e -> decode(e.record()));
    }

    /** The newest {@code limit} operations, newest first. */
    public List<PatchOperation> list(int limit) {
        List<String> streams = journal.streams().stream().filter(s -> s.startsWith(STREAM_PREFIX)).toList();
        List<PatchOperation> out = new ArrayList<>();
        for (int i = streams.size() - 1; i >= 0 && out.size() < limit; i--) {
            journal.last(streams.get(i)).map(e -> decode(e.record())).ifPresent(out::add);
        }
        return out;
    }

    public static boolean isFinal(PatchOperationState state) {
        return switch (state) {
            case PATCH_COMPLETED, PATCH_REVERSED, PATCH_REVERSAL_STUCK, PATCH_FORCED, PATCH_FAILED -> true;
            default -> false;
        };
    }

    private static PatchOperation decode(byte[] bytes) {
        try {
            return PatchOperation.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a livepatch record in the journal does not decode: " + e.getMessage(), e);
        }
    }
}
