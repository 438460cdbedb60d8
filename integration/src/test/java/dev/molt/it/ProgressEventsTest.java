package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import dev.molt.api.v1.UpgradeEvent;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade's event stream as a script reads it: `molt upgrade -o json` following two real
 * on-host upgrades (restart switch: the daemon restarts mid-upgrade and the CLI reconnects), each
 * event a line of JSON with its kind, phase, workload, tasks, bytes and the stop so far.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class ProgressEventsTest {
    static final List<String> STATE_PHASES = List.of("plan", "preflight", "park", "dump", "spool", "switch", "restore", "verify", "done");

    @TempDir
    Path dir;

    TestWorkload workload;
    Molt molt;

    @BeforeEach
    void start() throws Exception {
        Tools.criu();
        workload = TestWorkload.start(dir, 64);
        molt = new Molt(dir).startDaemon();
        workload.connect();
        workload.ask("before");
    }

    @AfterEach
    void stop() throws Exception {
        if (molt != null) {
            molt.close();
        }
        if (workload != null) {
            workload.close();
        }
    }

    @Test
    void eachEventIsALineOfJsonWithItsPhaseTasksAndTheStopSoFarAndTheSecondUpgradeKnowsTheTimeLeft() throws Exception {
        List<UpgradeEvent> first = upgrade();
        List<UpgradeEvent> second = upgrade();

        for (List<UpgradeEvent> events : List.of(first, second)) {
            List<UpgradeEvent> states = events.stream().filter(e -> e.getKind() == UpgradeEvent.Kind.STATE).toList();
            assertThat(states).extracting(UpgradeEvent::getPhase).as("each state once, in order, across the restart")
                    .containsExactlyElementsOf(STATE_PHASES);
            assertThat(events).allSatisfy(e -> {
                assertThat(e.getKind()).isNotEqualTo(UpgradeEvent.Kind.KIND_UNSPECIFIED);
                assertThat(e.getPhase()).isNotEmpty();
                assertThat(e.getTasksTotal()).isEqualTo(1);
                if (e.getBytesTotal() > 0) {
                    assertThat(e.getBytesDone()).isLessThanOrEqualTo(e.getBytesTotal());
                }
            });
            assertThat(events).filteredOn(e -> e.getKind() == UpgradeEvent.Kind.PROGRESS && e.getPhase().equals("dump"))
                    .isNotEmpty()
                    .allSatisfy(e -> {
                        assertThat(e.getWorkload()).isNotEmpty();
                        assertThat(e.getParkedMillis()).as("dumping is inside the stop").isPositive();
                    });
            // Parked from the park to the unpark: the stop so far grows; before and after it, none.
            List<Long> parked = states.stream().filter(e -> List.of("dump", "spool", "switch", "restore", "verify").contains(e.getPhase()))
                    .map(UpgradeEvent::getParkedMillis).toList();
            assertThat(parked).allSatisfy(p -> assertThat(p).isPositive()).isSorted();
            assertThat(states).filteredOn(e -> List.of("plan", "preflight", "done").contains(e.getPhase()))
                    .allSatisfy(e -> assertThat(e.getParkedMillis()).isZero());
            UpgradeEvent last = events.getLast();
            assertThat(last.getUpgrade().getStopReport().getTotalStopMillis()).isPositive();
        }
        assertThat(first).as("no past upgrade: no time left is given").noneMatch(UpgradeEvent::getEtaKnown);
        assertThat(second).filteredOn(e -> e.getParkedMillis() > 0).as("the first upgrade's stop estimates the second's")
                .isNotEmpty().allMatch(UpgradeEvent::getEtaKnown);
        assertThat(workload.ask("after")).endsWith(" after");
    }

    private List<UpgradeEvent> upgrade() throws Exception {
        Molt.Result run = molt.cli("upgrade", "--workload", "pid:" + root(), "--switch", "restart", "--tcp", "-o", "json");
        assertThat(run.exit()).as(run.toString()).isZero();
        return run.out().lines().map(ProgressEventsTest::event).toList();
    }

    /** The tree's root now: after a restore it is no longer unshare's child, and has another outer pid. */
    private long root() throws Exception {
        List<Long> pids = workload.pids();
        return pids.stream().filter(p -> ProcessHandle.of(p).flatMap(ProcessHandle::parent)
                .map(parent -> !pids.contains(parent.pid())).orElse(true)).findFirst().orElseThrow();
    }

    private static UpgradeEvent event(String line) {
        UpgradeEvent.Builder b = UpgradeEvent.newBuilder();
        try {
            JsonFormat.parser().merge(line, b);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("not an UpgradeEvent: " + line, e);
        }
        return b.build();
    }
}
