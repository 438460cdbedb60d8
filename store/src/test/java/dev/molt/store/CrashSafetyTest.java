package dev.molt.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.snapshot.SnapshotStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A writer process killed with SIGKILL never leaves a snapshot that names missing chunks. */
@Timeout(180)
class CrashSafetyTest {

    @TempDir Path tmp;
    Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void killedBeforeCommitLeavesNoSnapshotAndOnlyGarbage() throws Exception {
        Path dir = tmp.resolve("store");
        runChildUntil(dir, "before-commit", 30, line -> line.equals("WROTE 20"));

        try (MoltStore store = MoltStore.open(dir)) {
            SnapshotStore snapshots = store.snapshots();
            assertThat(snapshots.manifest("crash-1")).isEmpty();
            assertThat(snapshots.list()).isEmpty();
            assertThat(store.journal().last("upgrade-1").orElseThrow().record())
                    .asString(UTF_8).isEqualTo("persist");

            long usedBefore = store.usedBytes();
            SnapshotStore.GcResult gc = snapshots.collectGarbage();

            // all of file one was flushed before the kill; of file two, what reached disk
            assertThat(gc.chunksDeleted()).isGreaterThanOrEqualTo(30);
            assertThat(gc.bytesFreed()).isEqualTo(gc.chunksDeleted() * TestImages.MIB);
            // RocksDB removes the compacted-away files in the background: under load that can
            // lag the collection by a moment.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (store.usedBytes() >= usedBefore - 25L * TestImages.MIB && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(store.usedBytes()).isLessThan(usedBefore - 25L * TestImages.MIB);
            assertThat(snapshots.collectGarbage().chunksDeleted()).isZero();
        }
    }

    @Test
    void killedRightAfterCommitKeepsAnIntactSnapshot() throws Exception {
        Path dir = tmp.resolve("store");
        runChildUntil(dir, "after-commit", 40, line -> line.equals("COMMITTED"));

        try (MoltStore store = MoltStore.open(dir)) {
            SnapshotStore snapshots = store.snapshots();
            assertThat(snapshots.list()).extracting(SnapshotStore.Manifest::id)
                    .containsExactly("crash-1");
            assertThat(snapshots.verify("crash-1").ok()).isTrue();
            snapshots.export("crash-1", tmp.resolve("restore"), SnapshotStore.Progress.NONE);
            assertThat(tmp.resolve("restore/pages-1.img"))
                    .hasBinaryContent(TestImages.bytes(40, 40 * TestImages.MIB, 0.0));
            assertThat(snapshots.collectGarbage().chunksDeleted()).isZero();
        }
    }

    /** Starts the writer, waits for the line, SIGKILLs it. */
    private void runChildUntil(Path dir, String mode, int mib, Predicate<String> killAt)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                CrashingSnapshotWriter.class.getName(), dir.toString(), mode,
                String.valueOf(mib), String.valueOf(mib))
                .redirectErrorStream(true)
                .start();
        var output = new StringBuilder();
        var reader = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8));
        boolean reached = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = reader.readLine()) != null; ) {
                    output.append(line).append('\n');
                    if (killAt.test(line)) {
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }).get(120, TimeUnit.SECONDS);
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(reached).as("child reached the kill point; its output:\n%s", output).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    }
}
