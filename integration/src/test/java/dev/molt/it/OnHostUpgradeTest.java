package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.cli.ExitCodes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The full-upgrade pipeline on this machine, with real CRIU and a real RocksDB store, the kernel
 * switch replaced by the restart switch (this host cannot kexec): `molt upgrade` parks the
 * workload, dumps it into the store, ends the tree, restarts the daemon, which resumes from its
 * journal and restores.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class OnHostUpgradeTest {
    @TempDir
    Path dir;

    TestWorkload workload;
    Molt molt;

    @BeforeEach
    void start() throws Exception {
        Tools.criu();
        workload = TestWorkload.start(dir, 256);
        molt = new Molt(dir);
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
    void anUpgradeKeepsPidsCounterMemoryAndTcpConnection() throws Exception {
        molt.startDaemon();
        workload.connect();
        String before = workload.ask("before");
        List<Long> nsPidsBefore = workload.pidsInNamespace();

        Molt.Result upgrade = molt.cli("upgrade", "--workload", "pid:" + workload.rootPid(), "--switch", "restart", "--tcp");

        assertThat(upgrade.exit()).as(upgrade.toString()).isZero();
        assertThat(upgrade.out()).contains("total stop");
        String after = workload.ask("after");
        assertThat(after).as("answered on the same connection after restore").endsWith(" after");
        assertThat(Long.parseLong(after.split(" ")[0])).isGreaterThan(Long.parseLong(before.split(" ")[0]));
        assertThat(workload.pidsInNamespace()).as("pids as the workload sees them").isEqualTo(nsPidsBefore);
        assertThat(workload.ticking(Duration.ofSeconds(30))).as("the counter runs after restore").isTrue();
        Poll.until(Duration.ofSeconds(30), "a memory check after restore", () -> workload.lines().stream()
                .filter(l -> l.startsWith("memory ")).count() >= 2);
        assertThat(workload.lastMemoryCheck()).hasValueSatisfying(m -> assertThat(m).startsWith("memory ok"));
        assertThat(workload.tickGaps()).as("counter continues without a gap").isEmpty();
        assertThat(workload.problems()).isEmpty();
        assertThat(molt.cli("upgrades", "list").out()).contains("DONE");
    }

    /**
     * SIGKILL right after each journaled state, then a plain restart: the daemon resumes or aborts
     * from its journal, and in every case the workload ends up running, nothing lost.
     */
    @ParameterizedTest
    @ValueSource(strings = {"planned", "preflight", "parking", "dumping", "persisted", "switching", "switched", "restoring", "verifying"})
    void aCoordinatorKilledInAnyStateLeavesTheWorkloadRunning(String state) throws Exception {
        molt.startDaemon(Map.of("MOLT_CRASH_AFTER", state));
        workload.connect();
        workload.ask("before");

        String[] start = {"upgrade", "--detach", "--request-id", java.util.UUID.randomUUID().toString(),
            "--workload", "pid:" + workload.rootPid(), "--switch", "restart", "--tcp"};
        Molt.Result upgrade = molt.cli(start);
        // Killed right after journaling PLANNED, the daemon may die before its answer leaves: the
        // CLI then says so (UNAVAILABLE) and the operator repeats the command with its request id.
        assertThat(upgrade.exit()).as(upgrade.toString()).isIn(0, state.equals("planned") ? ExitCodes.UNAVAILABLE : 0);
        int exit = molt.awaitDaemonExit(Duration.ofMinutes(3));
        assertThat(exit).as("moltd was killed at " + state + ": " + molt.log()).isNotZero();

        molt.startDaemon();
        if (upgrade.exit() != 0) {
            upgrade = molt.cli(start);
            assertThat(upgrade.exit()).as("the same request id, repeated: " + upgrade).isZero();
        }
        String id = upgrade.out().trim().lines().reduce((a, b) -> b).orElseThrow().trim();
        Poll.until(Duration.ofMinutes(3), "upgrade " + id + " to end", () -> {
            String shown = molt.cli("upgrades", "show", id).out();
            return shown.contains("DONE") || shown.contains("ABORTED") || shown.contains("FAILED") || shown.contains("ROLLED_BACK");
        });
        String shown = molt.cli("upgrades", "show", id).out();
        // "switching": journaled, but the trees were not ended yet: the old trees are the truth.
        // "switched": the restart switch ended the trees and the daemon died before restarting.
        boolean beforeSwitch = List.of("planned", "preflight", "parking", "dumping", "persisted", "switching").contains(state);
        assertThat(shown).as(shown).contains(beforeSwitch ? "ABORTED" : "DONE");
        assertThat(workload.ticking(Duration.ofSeconds(30))).as("the workload runs, unfrozen").isTrue();
        assertThat(workload.ask("after")).endsWith(" after");
        assertThat(workload.tickGaps()).isEmpty();
        assertThat(workload.problems()).isEmpty();
    }
}
