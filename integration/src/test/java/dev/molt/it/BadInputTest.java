package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.molt.api.v1.Check;
import dev.molt.api.v1.ListSnapshotsResponse;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input and bad luck: each case ends with a clear error (the CLI's exit code and a message
 * naming what is wrong) while the protected workload runs on unfrozen, its TCP connection
 * answering and its counter without a gap. Real CRIU, a real store, bin/moltd and bin/molt.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BadInputTest {
    /** A pid that no process has: above the kernel's pid_max limit (2^22). */
    static final long NO_SUCH_PID = 4_194_304 + 17;

    @TempDir
    Path dir;

    TestWorkload workload;
    Molt molt;
    Tmpfs tmpfs;
    Process stranger;
    final List<Path> cgroupsToRemove = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Tools.criu();
        workload = TestWorkload.start(dir, 256);
        workload.connect();
        assertThat(workload.ask("before")).endsWith(" before");
    }

    @AfterEach
    void stop(TestInfo test) throws Exception {
        if (molt != null) {
            molt.close();
            // Kept past the temporary directory: what the daemon said is the first thing to read
            // when a case fails.
            Path logs = Tools.repoRoot().resolve("integration/target/bad-input-logs");
            Files.createDirectories(logs);
            Files.writeString(logs.resolve(test.getTestMethod().map(m -> m.getName()).orElse("unknown") + "-moltd.log"), molt.log());
        }
        List<Long> pids = workload != null ? workload.pids() : List.of();
        if (workload != null) {
            workload.close();
        }
        if (stranger != null) {
            stranger.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        Poll.until(Duration.ofSeconds(30), "the workload's processes to end", () -> pids.stream()
                .allMatch(pid -> HostProcess.state(pid).isEmpty() || HostProcess.state(pid).get().equals("Z")));
        for (Path cgroup : cgroupsToRemove) {
            Poll.until(Duration.ofSeconds(30), "cgroup " + cgroup + " to empty", () -> !Files.exists(cgroup)
                    || Files.readString(cgroup.resolve("cgroup.procs")).isBlank());
            Files.deleteIfExists(cgroup);
        }
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    // ---- 1. names that resolve to nothing ----

    @Test
    void anUnknownPidIsRefusedByPlanAndUpgrade() throws Exception {
        molt = new Molt(dir).startDaemon();
        String spec = "pid:" + NO_SUCH_PID;

        UpgradePlan plan = plan(molt, "--workload", spec, "--switch", "restart", "--tcp");
        assertThat(failedChecks(plan)).singleElement().satisfies(c -> {
            assertThat(c.getName()).isEqualTo("workload:" + spec);
            assertThat(c.getDetail()).contains("no process " + NO_SUCH_PID);
        });

        // Refused before anything is journaled: an unknown workload is the caller's mistake.
        Molt.Result upgrade = timed("unknown pid: upgrade", () -> molt.cli("upgrade", "--workload", spec, "--switch", "restart", "--tcp"));
        assertThat(upgrade.exit()).as(upgrade.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(upgrade.err()).as(upgrade.toString()).contains("no process " + NO_SUCH_PID);

        Molt.Result snapshot = molt.cli("snapshot", "create", "--workload", spec);
        assertThat(snapshot.exit()).as(snapshot.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(snapshot.err()).as(snapshot.toString()).contains("no process " + NO_SUCH_PID);

        assertWorkloadRunsOnUntouched();
        assertNoSnapshots();
    }

    @Test
    void anUnknownCgroupIsRefusedByPlanAndUpgrade() throws Exception {
        molt = new Molt(dir).startDaemon();
        String spec = "cgroup:no-such-group";

        UpgradePlan plan = plan(molt, "--workload", spec, "--switch", "restart", "--tcp");
        assertThat(failedChecks(plan)).singleElement().satisfies(c -> {
            assertThat(c.getName()).isEqualTo("workload:" + spec);
            assertThat(c.getDetail()).contains("cgroup no-such-group does not exist");
        });

        Molt.Result upgrade = timed("unknown cgroup: upgrade", () -> molt.cli("upgrade", "--workload", spec, "--switch", "restart", "--tcp"));
        assertThat(upgrade.exit()).as(upgrade.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(upgrade.err()).as(upgrade.toString()).contains("cgroup no-such-group does not exist");

        assertWorkloadRunsOnUntouched();
        assertNoSnapshots();
    }

    // ---- 2. a tree CRIU refuses ----

    /**
     * A process started by the test JVM shares the JVM's session without leading it: CRIU refuses
     * a tree whose session leader is outside it (or outside its pid namespace). Preflight's dry-run dump finds out before
     * anything is parked.
     */
    @Test
    void aProcessCriuRefusesToDumpIsLeftRunningAndTheUpgradeAbortsAtPreflight() throws Exception {
        stranger = new ProcessBuilder("sleep", "600").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long pid = stranger.pid();
        Path cgroupBefore = HostProcess.cgroup(pid);
        molt = new Molt(dir).startDaemon();

        Molt.Result upgrade = timed("CRIU refuses: upgrade", () -> molt.cli("upgrade", "--workload", "pid:" + pid, "--switch", "restart", "--tcp"));

        assertThat(upgrade.exit()).as(upgrade.toString()).isEqualTo(ExitCodes.UPGRADE_NOT_DONE);
        assertThat(upgrade.out()).as(upgrade.toString())
                .contains("ABORTED: preflight failed: dumpable:pid-" + pid)
                // Which of CRIU's two session checks trips depends on where the JVM's own session
                // leader lives: inside our pid namespace (a shell) or outside it (a CI container).
                .containsAnyOf("The root process " + pid + " is not a session leader",
                        "A session leader of " + pid + "(" + pid + ") is outside of its pid namespace");
        assertThat(stranger.isAlive()).as("the refused process lives").isTrue();
        assertThat(HostProcess.state(pid)).as("neither stopped nor traced").hasValueSatisfying(s -> assertThat(s).isIn("S", "R"));
        assertThat(HostProcess.cgroup(pid)).as("not moved into a cgroup of Molt's").isEqualTo(cgroupBefore);
        assertThat(HostProcess.runsUnfrozen(pid)).isTrue();
        assertNoNetworkLock(upgradeId(upgrade));
        assertWorkloadRunsOnUntouched();
    }

    // ---- 3. a kernel image that is not one ----

    /** Never a real kernel: nothing may kexec on this host. */
    @Test
    void aKernelImageThatIsNotABzImageFailsPreflightAndNothingIsParked() throws Exception {
        molt = new Molt(dir).startDaemon();
        Path cgroupBefore = HostProcess.cgroup(workload.rootPid());
        String[] spec = {"--workload", "pid:" + workload.rootPid(), "--switch", "kexec",
            "--kernel", "/etc/hostname", "--initrd", "/etc/hostname", "--tcp"};

        UpgradePlan plan = plan(molt, spec);
        assertThat(failedChecks(plan)).singleElement().satisfies(c -> {
            assertThat(c.getName()).isEqualTo("kernel-image");
            assertThat(c.getDetail()).startsWith("/etc/hostname: not a bzImage");
        });

        Molt.Result upgrade = timed("not a bzImage: upgrade", () -> molt.cli(concat(new String[] {"upgrade"}, spec)));
        assertThat(upgrade.exit()).as(upgrade.toString()).isEqualTo(ExitCodes.UPGRADE_NOT_DONE);
        assertThat(upgrade.out()).as(upgrade.toString())
                .contains("ABORTED: preflight failed: kernel-image: /etc/hostname: not a bzImage");
        assertThat(HostProcess.cgroup(workload.rootPid())).as("not parked: still in its own cgroup").isEqualTo(cgroupBefore);
        assertNoNetworkLock(upgradeId(upgrade));
        assertWorkloadRunsOnUntouched();
        assertNoSnapshots();
    }

    // ---- 4. the snapshot's disk fills up mid-dump ----

    /**
     * The tmpfs holding the staging directory, where CRIU writes an upgrade's images and where they
     * stay spooled until the unpark: big enough for preflight's space check (the dry-run dump
     * measures ~257 MiB of images for the 256 MiB workload: it needs 257 * 1.2 + 64 = ~372 MiB
     * free), so the upgrade parks and dumps; then another writer fills it.
     */
    static final long STORE_FS_MIB = 400;
    /** What the filler leaves free: far less than the images need. */
    static final long LEFT_FREE_BYTES = 8L << 20;

    /**
     * A disk too small from the start fails preflight instead: the disk must fill up after it. This
     * is a race, measured: from DUMPING CRIU writes 256 MiB of images (~0.5 s here), while the armed
     * filler takes 40-170 ms. Lost, the upgrade would go on to DONE and the assertions below fail.
     */
    @Test
    void theSnapshotsDiskFillingUpMidDumpAbortsTheUpgradeAndThawsTheWorkload() throws Exception {
        tmpfs = Tmpfs.mount(dir.resolve("stagingfs"), STORE_FS_MIB);
        molt = new Molt(dir, dir.resolve("store"), tmpfs.dir.resolve("staging")).startDaemon();
        long root = workload.rootPid();
        String[] spec = {"--workload", "pid:" + root, "--switch", "restart", "--tcp"};
        UpgradePlan plan = plan(molt, spec);
        assertThat(plan.getOk()).as("premise: preflight passes on the empty tmpfs: " + plan.getChecksList()).isTrue();

        Molt.Result upgrade;
        long start = System.nanoTime();
        Tmpfs.Filler filler = tmpfs.armFiller();
        try (Molt.Started running = molt.cliStarted(concat(new String[] {"upgrade"}, spec))) {
            assertThat(running.awaitLineStartingWith("DUMPING", Duration.ofMinutes(2))).as("the upgrade reaches DUMPING").isTrue();
            long dumping = System.nanoTime();
            // Another writer on the store's disk takes all but a few MiB while CRIU dumps.
            filler.fillLeaving(LEFT_FREE_BYTES);
            System.out.printf("[bad-input] disk full: DUMPING seen after %d ms, filler in place %d ms later%n",
                    (dumping - start) / 1_000_000, (System.nanoTime() - dumping) / 1_000_000);
            upgrade = running.await(Duration.ofMinutes(3));
        }
        System.out.printf("[bad-input] disk full: upgrade ended after %d ms%n%s%n", (System.nanoTime() - start) / 1_000_000, upgrade);
        cgroupsToRemove.add(HostProcess.cgroup(root));

        assertThat(upgrade.exit()).as(upgrade.toString()).isEqualTo(ExitCodes.UPGRADE_NOT_DONE);
        assertThat(upgrade.out()).as(upgrade.toString())
                .contains("ABORTED: dumping failed: RESOURCE_EXHAUSTED")
                .contains("No space left on device");
        assertWorkloadRunsOnUntouched();
        assertNoNetworkLock(upgradeId(upgrade));

        Molt.Result status = molt.cli("status");
        assertThat(status.exit()).as(status.toString()).isZero();
        assertThat(status.out()).as(status.toString()).contains("no upgrade");
        assertNoSnapshots();

        // Room again: the same store (never reopened by the test) takes a snapshot.
        tmpfs.emptyFiller();
        Molt.Result snapshot = timed("disk full: snapshot create after freeing the filler",
                () -> molt.cli("snapshot", "create", "--workload", "pid:" + root));
        assertThat(snapshot.exit()).as(snapshot.toString()).isZero();
        assertWorkloadRunsOnUntouched();
    }

    // ---- 5. a chunk damaged at rest ----

    /**
     * A snapshot taken with the workload left running; the daemon stopped; one chunk's bytes
     * damaged under its key (bit rot RocksDB cannot see: only the chunk's SHA-256 can). Verify
     * names the chunk; restore refuses with DATA_LOSS before CRIU runs; the original runs on.
     */
    @Test
    void aCorruptedChunkIsReportedByVerifyAndRefusedByRestore() throws Exception {
        molt = new Molt(dir).startDaemon();
        long root = workload.rootPid();
        Molt.Result created = timed("snapshot create", () -> molt.cli("snapshot", "create", "--workload", "pid:" + root, "-o", "json"));
        assertThat(created.exit()).as(created.toString()).isZero();
        cgroupsToRemove.add(HostProcess.cgroup(root));
        dev.molt.api.v1.Snapshot.Builder snapshot = dev.molt.api.v1.Snapshot.newBuilder();
        JsonFormat.parser().merge(created.out(), snapshot);
        String id = snapshot.getId();
        assertWorkloadRunsOnUntouched();
        List<Long> pidsBefore = workload.pids();

        molt.close();
        String chunk = StoreSurgery.corruptLargestChunk(molt.store);
        molt.startDaemon();

        Molt.Result verify = timed("snapshot verify", () -> molt.cli("snapshot", "verify", id));
        assertThat(verify.exit()).as(verify.toString()).isEqualTo(ExitCodes.DATA_LOSS);
        assertThat(verify.out()).as(verify.toString())
                .contains("Snapshot " + id + " is DAMAGED")
                .contains("chunk " + chunk + " fails its checksum");

        Molt.Result restore = timed("snapshot restore", () -> molt.cli("snapshot", "restore", id));
        assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.DATA_LOSS);
        assertThat(restore.err()).as(restore.toString())
                .contains("snapshot " + id + ", file pages-")
                .contains("chunk " + chunk + " fails its checksum")
                .contains("the snapshot must not be restored");

        assertThat(workload.pids()).as("no second copy restored, the original untouched").isEqualTo(pidsBefore);
        assertWorkloadRunsOnUntouched();
        assertThat(molt.cli("snapshot", "list").out()).as("the damaged snapshot is kept for the operator").contains(id);
    }

    // ---- helpers ----

    /** The workload runs unfrozen, answers on the connection opened before the case, lost nothing. */
    void assertWorkloadRunsOnUntouched() throws Exception {
        assertThat(workload.ticking(Duration.ofSeconds(30))).as("the counter advances").isTrue();
        assertThat(workload.ask("after")).as("the same TCP connection answers").endsWith(" after");
        for (long pid : workload.pids()) {
            assertThat(HostProcess.runsUnfrozen(pid)).as("process " + pid + " is neither stopped nor frozen").isTrue();
        }
        assertThat(workload.tickGaps()).as("counter without a gap").isEmpty();
        assertThat(workload.problems()).isEmpty();
    }

    void assertNoSnapshots() throws Exception {
        Molt.Result list = molt.cli("snapshot", "list", "-o", "json");
        assertThat(list.exit()).as(list.toString()).isZero();
        ListSnapshotsResponse.Builder snapshots = ListSnapshotsResponse.newBuilder();
        JsonFormat.parser().merge(list.out(), snapshots);
        assertThat(snapshots.getSnapshotsList()).as(list.out()).isEmpty();
    }

    /** Molt's nftables table for this upgrade ("molt-" + id) is gone, or was never made. */
    static void assertNoNetworkLock(String upgradeId) throws Exception {
        Process nft = new ProcessBuilder("nft", "list", "tables").redirectErrorStream(true).start();
        String tables = new String(nft.getInputStream().readAllBytes());
        assertThat(nft.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tables).doesNotContain("molt-" + upgradeId);
    }

    /** The id in the CLI's "Upgrade u-... started" line. */
    static String upgradeId(Molt.Result result) {
        for (String word : (result.out() + " " + result.err()).split("\\s+")) {
            if (word.startsWith("u-")) {
                return word.endsWith(":") ? word.substring(0, word.length() - 1) : word;
            }
        }
        throw new AssertionError("no upgrade id in " + result);
    }

    static UpgradePlan plan(Molt molt, String... spec) throws Exception {
        Molt.Result result = timed("plan", () -> molt.cli(concat(new String[] {"plan", "-o", "json"}, spec)));
        UpgradePlan.Builder plan = UpgradePlan.newBuilder();
        try {
            JsonFormat.parser().merge(result.out(), plan);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("molt plan printed no plan: " + result, e);
        }
        assertThat(result.exit()).as(result.toString()).isEqualTo(plan.getOk() ? ExitCodes.OK : ExitCodes.PRECONDITION);
        return plan.build();
    }

    static List<Check> failedChecks(UpgradePlan plan) {
        return plan.getChecksList().stream().filter(c -> !c.getOk()).toList();
    }

    interface Action<T> {
        T run() throws Exception;
    }

    /** Runs an action and prints how long it took and what the CLI said: the report's numbers. */
    static <T> T timed(String what, Action<T> action) throws Exception {
        long start = System.nanoTime();
        T result = action.run();
        System.out.printf("[bad-input] %s: %d ms%n%s%n", what, (System.nanoTime() - start) / 1_000_000, result);
        return result;
    }

    static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
