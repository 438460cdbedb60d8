package dev.molt.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.store.MoltStore;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upgrades as journaled records in a real store on disk. */
class UpgradeJournalTest {
    @TempDir
    Path dir;

    static final UpgradeSpec SPEC = UpgradeSpec.newBuilder()
            .addWorkloads(Workload.newBuilder().setPid(42))
            .setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART)
            .build();

    @Test
    void aNewUpgradeIsPlannedActiveAndFoundByItsRequestId() throws Exception {
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
            UpgradeRecord r = journal.create("req-1", SPEC, "boot-a", "6.1.0-50-amd64");

            String id = r.getEvent().getUpgradeId();
            assertThat(r.getEvent().getSequence()).isEqualTo(1);
            assertThat(r.getEvent().getUpgrade().getState()).isEqualTo(dev.molt.api.v1.UpgradeState.PLANNED);
            assertThat(journal.active()).contains(id);
            assertThat(journal.byRequestId("req-1")).contains(id);
        }
    }

    @Test
    void transitionsSurviveReopeningAndAFinalStateClearsTheActiveUpgrade() throws Exception {
        String id;
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
            UpgradeRecord r = journal.create("req-1", SPEC, "boot-a", "k");
            id = r.getEvent().getUpgradeId();
            r = journal.transition(r, new UpgradeState.Preflight(), "checks", b -> {});
            journal.transition(r, new UpgradeState.Parking(), "parking", b -> b.setNetworkLockTable("molt-x"));
        }
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
            UpgradeRecord last = journal.last(id).orElseThrow();
            assertThat(last.getEvent().getSequence()).isEqualTo(3);
            assertThat(last.getNetworkLockTable()).isEqualTo("molt-x");
            assertThat(journal.events(id, 1)).extracting(e -> e.getState().name()).containsExactly("PREFLIGHT", "PARKING");

            UpgradeRecord aborted = journal.transition(last, new UpgradeState.Aborted("operator"), "aborted", b -> {});
            assertThat(aborted.getEvent().getUpgrade().getReason()).isEqualTo("operator");
            assertThat(journal.active()).isEmpty();
            assertThat(journal.list(10)).hasSize(1);
        }
    }

    @Test
    void aTransitionFromAStaleRecordIsRefused() throws Exception {
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
            UpgradeRecord r = journal.create("req-1", SPEC, "boot-a", "k");
            journal.transition(r, new UpgradeState.Preflight(), "checks", b -> {});
            assertThatThrownBy(() -> journal.transition(r, new UpgradeState.Aborted("late"), "again", b -> {}))
                    .hasMessageContaining("journal at sequence 2, expected 1");

            String id = r.getEvent().getUpgradeId();
            assertThat(journal.last(id).orElseThrow().getEvent().getState().name())
                    .as("nothing written: the stale transition never reached the journal").isEqualTo("PREFLIGHT");
            assertThat(journal.active()).contains(id);
        }
    }

    @Test
    void aStatesWarningsAreJournaledAndReplayedToAReconnectingClientButNotCarriedToTheNextState() throws Exception {
        String id;
        try (MoltStore store = MoltStore.open(dir)) {
            UpgradeJournal journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
            UpgradeRecord r = journal.create("req-1", SPEC, "boot-a", "k");
            id = r.getEvent().getUpgradeId();
            r = journal.transition(r, new UpgradeState.Switching(), "switching", b -> EventFields.warnings(b.getEventBuilder(),
                    java.util.List.of(dev.molt.api.v1.UpgradeWarning.newBuilder().setCode("BOOT_RESTORE_UNPLANNED")
                            .setSubject("pid:42").setMessage("no restore at boot for pid:42").build())));
            r = journal.transition(r, new UpgradeState.Restoring(), "restoring", b -> {});
            journal.transition(r, new UpgradeState.Restoring(), "restoring", b -> b.putMarks("restored", 1L));
        }
        try (MoltStore store = MoltStore.open(dir)) {
            var events = new UpgradeJournal(store.journal(), Clock.systemUTC()).events(id, 1);

            assertThat(events).extracting(e -> e.getPhase()).containsExactly("switch", "restore", "restore");
            assertThat(events).extracting(e -> e.getKind()).as("a journaled edit of the same state is an update")
                    .containsExactly(dev.molt.api.v1.UpgradeEvent.Kind.STATE, dev.molt.api.v1.UpgradeEvent.Kind.STATE,
                            dev.molt.api.v1.UpgradeEvent.Kind.UPDATE);
            assertThat(events).allSatisfy(e -> assertThat(e.getTasksTotal()).isEqualTo(1));
            assertThat(events.get(0).getTypedWarningsList()).singleElement().satisfies(w -> {
                assertThat(w.getCode()).isEqualTo("BOOT_RESTORE_UNPLANNED");
                assertThat(w.getSubject()).isEqualTo("pid:42");
            });
            assertThat(events.get(0).getWarningsList()).containsExactly("no restore at boot for pid:42");
            assertThat(events.get(1).getTypedWarningsList()).isEmpty();
            assertThat(events.get(1).getWarningsList()).isEmpty();
            assertThat(new UpgradeJournal(store.journal(), Clock.systemUTC()).events(id, 0).getFirst().getPhase()).isEqualTo("plan");
        }
    }
}
