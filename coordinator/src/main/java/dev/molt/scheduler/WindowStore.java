package dev.molt.scheduler;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.ScheduledState;
import dev.molt.api.v1.ScheduledUpgrade;
import dev.molt.journal.Journal;
import dev.molt.journal.v1.ScheduleTable;
import dev.molt.journal.v1.WindowTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Windows and scheduled upgrades in the journal's synced index, each set as one record: small
 * (a handful of each), replaced whole, so every change is atomic. Finished scheduled upgrades are
 * kept for history, the latest {@link #FINISHED_KEPT}.
 */
public final class WindowStore {
    static final String WINDOWS_KEY = "window-table";
    static final String SCHEDULED_KEY = "schedule-table";
    static final int FINISHED_KEPT = 20;

    private final Journal journal;

    public WindowStore(Journal journal) {
        this.journal = journal;
    }

    public synchronized List<MaintenanceWindow> windows() {
        return journal.get(WINDOWS_KEY).map(WindowStore::windowTable).orElse(WindowTable.getDefaultInstance()).getWindowsList();
    }

    public synchronized void putWindows(List<MaintenanceWindow> windows) {
        journal.put(WINDOWS_KEY, WindowTable.newBuilder().addAllWindows(windows).build().toByteArray());
    }

    public synchronized List<ScheduledUpgrade> scheduled() {
        return journal.get(SCHEDULED_KEY).map(WindowStore::scheduleTable).orElse(ScheduleTable.getDefaultInstance()).getScheduledList();
    }

    public synchronized void add(ScheduledUpgrade s) {
        List<ScheduledUpgrade> all = new ArrayList<>(scheduled());
        all.add(s);
        put(all);
    }

    /** Replaces one scheduled upgrade by {@code change}'s result (the same to leave it); empty if unknown. */
    public synchronized Optional<ScheduledUpgrade> update(String id, UnaryOperator<ScheduledUpgrade> change) {
        List<ScheduledUpgrade> all = new ArrayList<>(scheduled());
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).getId().equals(id)) {
                ScheduledUpgrade changed = change.apply(all.get(i));
                if (!changed.equals(all.get(i))) {
                    all.set(i, changed);
                    put(all);
                }
                return Optional.of(changed);
            }
        }
        return Optional.empty();
    }

    private void put(List<ScheduledUpgrade> all) {
        List<ScheduledUpgrade> kept = new ArrayList<>();
        long finished = all.stream().filter(s -> s.getState() != ScheduledState.WAITING).count();
        for (ScheduledUpgrade s : all) {
            if (s.getState() != ScheduledState.WAITING && finished > FINISHED_KEPT) {
                finished--;
                continue; // the oldest finished go first: the list is in creation order
            }
            kept.add(s);
        }
        journal.put(SCHEDULED_KEY, ScheduleTable.newBuilder().addAllScheduled(kept).build().toByteArray());
    }

    private static WindowTable windowTable(byte[] bytes) {
        try {
            return WindowTable.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("journal key " + WINDOWS_KEY + " is not a WindowTable: " + e.getMessage(), e);
        }
    }

    private static ScheduleTable scheduleTable(byte[] bytes) {
        try {
            return ScheduleTable.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("journal key " + SCHEDULED_KEY + " is not a ScheduleTable: " + e.getMessage(), e);
        }
    }
}
