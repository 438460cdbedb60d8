package dev.molt.upgrade;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.journal.Journal;
import dev.molt.journal.v1.UpgradeRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Upgrades as streams of records in the journal. Each record is a full copy of what resuming needs
 * (the upgrade, its parked workloads, boot ids, the network lock), so a restart reads only the last
 * one. Every write is synced before this returns: the caller acts only after.
 */
public final class UpgradeJournal {
    private static final String STREAM_PREFIX = "upgrade/";
    private static final String ACTIVE_KEY = "upgrade-active";
    private static final String REQUEST_PREFIX = "upgrade-request/";

    private final Journal journal;
    private final Clock clock;

    public UpgradeJournal(Journal journal, Clock clock) {
        this.journal = journal;
        this.clock = clock;
    }

    /** Writes a new upgrade in state PLANNED, marks it active and remembers its request id. */
    public synchronized UpgradeRecord create(String requestId, UpgradeSpec spec, String bootId, String fromKernel) {
        String id = "u-" + UUID.randomUUID().toString().substring(0, 13);
        long now = clock.millis();
        Upgrade upgrade = Upgrade.newBuilder()
                .setId(id)
                .setRequestId(requestId)
                .setSpec(spec)
                .setState(dev.molt.api.v1.UpgradeState.PLANNED)
                .setCreatedAtMillis(now)
                .setUpdatedAtMillis(now)
                .setFromKernel(fromKernel)
                .build();
        UpgradeRecord record = UpgradeRecord.newBuilder()
                .setEvent(UpgradeEvent.newBuilder()
                        .setUpgradeId(id)
                        .setSequence(1)
                        .setAtMillis(now)
                        .setState(upgrade.getState())
                        .setMessage("planned")
                        .setKind(UpgradeEvent.Kind.STATE)
                        .setPhase(EventFields.phase(new UpgradeState.Planned()))
                        .setTasksTotal(spec.getWorkloadsCount())
                        .setUpgrade(upgrade))
                .setBootIdAtPlan(bootId)
                .build();
        long seq = journal.append(STREAM_PREFIX + id, record.toByteArray());
        check(seq == 1, "new upgrade stream " + id + " did not start at sequence 1 but " + seq);
        journal.put(ACTIVE_KEY, bytes(id));
        journal.put(REQUEST_PREFIX + requestId, bytes(id));
        return record;
    }

    /**
     * Journals the next state of an upgrade. {@code edit} may change anything in the record
     * (workloads, marks, ...); the event's sequence, time, state and message are set here.
     */
    public synchronized UpgradeRecord transition(
            UpgradeRecord previous, UpgradeState next, String message, Consumer<UpgradeRecord.Builder> edit) {
        String stream = STREAM_PREFIX + previous.getEvent().getUpgradeId();
        long journaled = journal.last(stream).map(Journal.Entry::sequence).orElse(0L);
        // Checked before writing: a record built on a stale one must not reach the journal, where
        // it would be the last word on the upgrade (a final state left marked active, or worse).
        check(journaled == previous.getEvent().getSequence(), "upgrade " + previous.getEvent().getUpgradeId()
                + " journal at sequence " + journaled + ", expected " + previous.getEvent().getSequence()
                + ": a transition from a stale record");
        long now = clock.millis();
        UpgradeRecord.Builder builder = previous.toBuilder();
        // A state's event starts clean: the previous event's warnings and progress are not its own.
        builder.getEventBuilder().clearBytesDone().clearBytesTotal().clearWarnings().clearTypedWarnings()
                .clearWorkload().clearTasksDone().clearParkedMillis().clearEtaMillis().clearEtaKnown();
        edit.accept(builder);
        Upgrade.Builder upgrade = builder.getEventBuilder().getUpgradeBuilder()
                .setState(next.toProto())
                .setUpdatedAtMillis(now);
        switch (next) {
            case UpgradeState.Aborted a -> upgrade.setReason(a.reason());
            case UpgradeState.RolledBack r -> upgrade.setReason(r.reason());
            case UpgradeState.Failed f -> upgrade.setReason(f.reason());
            default -> {}
        }
        long sequence = previous.getEvent().getSequence() + 1;
        builder.getEventBuilder()
                .setSequence(sequence)
                .setAtMillis(now)
                .setState(next.toProto())
                .setMessage(message)
                // The same state again: journaled facts of the state it is in (marks, a chosen CRIU).
                .setKind(previous.getEvent().getState() == next.toProto() ? UpgradeEvent.Kind.UPDATE : UpgradeEvent.Kind.STATE)
                .setPhase(EventFields.phase(next))
                .setTasksTotal(Math.max(builder.getWorkloadsCount(), upgrade.getSpec().getWorkloadsCount()));
        UpgradeRecord record = builder.build();
        String id = record.getEvent().getUpgradeId();
        long written = journal.append(stream, record.toByteArray());
        check(written == sequence, "upgrade " + id + " journal at sequence " + written + ", expected " + sequence);
        if (next.isFinal()) {
            journal.get(ACTIVE_KEY).map(UpgradeJournal::string).filter(id::equals).ifPresent(a -> journal.remove(ACTIVE_KEY));
        }
        return record;
    }

    public Optional<UpgradeRecord> last(String upgradeId) {
        return journal.last(STREAM_PREFIX + upgradeId).map(e -> parse(e.record()));
    }

    /** Journaled events with a sequence greater than {@code afterSequence}. */
    public List<UpgradeEvent> events(String upgradeId, long afterSequence) {
        List<UpgradeEvent> events = new ArrayList<>();
        for (Journal.Entry entry : journal.read(STREAM_PREFIX + upgradeId, afterSequence)) {
            events.add(parse(entry.record()).getEvent());
        }
        return events;
    }

    /** The upgrade not yet in a final state, if any. */
    public Optional<String> active() {
        return journal.get(ACTIVE_KEY).map(UpgradeJournal::string);
    }

    public Optional<String> byRequestId(String requestId) {
        return journal.get(REQUEST_PREFIX + requestId).map(UpgradeJournal::string);
    }

    /** Upgrades, newest first. */
    public List<Upgrade> list(int limit) {
        List<Upgrade> all = new ArrayList<>();
        for (String stream : journal.streams()) {
            if (stream.startsWith(STREAM_PREFIX)) {
                journal.last(stream).ifPresent(e -> all.add(parse(e.record()).getEvent().getUpgrade()));
            }
        }
        all.sort(Comparator.comparingLong(Upgrade::getCreatedAtMillis).reversed());
        return all.size() > limit ? all.subList(0, limit) : all;
    }

    private static UpgradeRecord parse(byte[] bytes) {
        try {
            return UpgradeRecord.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("journal record is not an UpgradeRecord: " + e.getMessage(), e);
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
