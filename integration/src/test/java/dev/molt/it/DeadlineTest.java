package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.cli.ExitCodes;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client's deadline, with the real daemon, the real CLI's --timeout and a real workload whose
 * dump takes longer than the deadline. A call that reads gives up at the deadline; a call that
 * changes the host runs to a consistent end whatever the caller's deadline: the caller is told
 * DEADLINE_EXCEEDED ("may have taken effect"), the workload runs on, and what was made is whole.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class DeadlineTest {
    @TempDir
    Path dir;

    TestWorkload workload;
    Molt molt;

    @BeforeEach
    void start() throws Exception {
        Tools.criu();
        // 512 MiB of touched memory: its dump takes seconds, far past the 300 ms deadlines below
        // (measured here: 256 MiB alone outlasted them by seconds) even on a faster machine.
        workload = TestWorkload.start(dir, 512);
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
    void aSnapshotWhoseCallerGaveUpIsStillMadeWholeAndTheWorkloadRunsOn() throws Exception {
        Molt.Result create = molt.cli("--timeout", "300ms", "snapshot", "create", "--workload", "pid:" + workload.rootPid(), "--tcp");

        assertThat(create.exit()).as(create.toString()).isEqualTo(ExitCodes.TIMEOUT);
        Poll.until(Duration.ofMinutes(3), "the snapshot to be listed", () -> molt.cli("snapshot", "list").out().contains("s-"));
        String id = molt.cli("snapshot", "list").out().lines().filter(l -> l.contains("s-")).findFirst().orElseThrow()
                .replaceAll("^.*?(s-\\S+).*$", "$1");
        Molt.Result verify = molt.cli("snapshot", "verify", id);
        assertThat(verify.exit()).as(verify.toString()).isZero();
        Poll.until(Duration.ofSeconds(60), "the workload to be thawed", () -> workload.pids().stream().allMatch(DeadlineTest::runs));
        assertThat(workload.ask("after")).endsWith(" after");
        assertThat(molt.cli("audit", "--limit", "5").out()).contains("Snapshots/CreateSnapshot");
    }

    @Test
    void aPlanWhoseCallerGaveUpEndsAndChangesNothing() throws Exception {
        Molt.Result plan = molt.cli("--timeout", "300ms", "plan", "--workload", "pid:" + workload.rootPid(), "--switch", "restart");

        assertThat(plan.exit()).as(plan.toString()).isEqualTo(ExitCodes.TIMEOUT);
        Poll.until(Duration.ofSeconds(60), "the workload to run unfrozen", () -> workload.pids().stream().allMatch(DeadlineTest::runs));
        assertThat(workload.ask("after")).endsWith(" after");
        assertThat(molt.cli("upgrades", "list").out()).doesNotContain("u-");
        // The daemon is free for the next request: the plan, with time enough, passes.
        Molt.Result again = molt.cli("plan", "--workload", "pid:" + workload.rootPid(), "--switch", "restart");
        assertThat(again.exit()).as(again.toString()).isZero();
    }

    private static boolean runs(long pid) {
        try {
            return HostProcess.runsUnfrozen(pid);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
