package dev.molt.store;

import static dev.molt.store.TestImages.MIB;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore;
import dev.molt.snapshot.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.FlushOptions;

/**
 * The store on a 64 MiB tmpfs, written a 100 MiB snapshot. Needs root (mount); without it the
 * test fails: it is the only proof that a full disk leaves the store usable.
 */
@Timeout(180)
class DiskFullTest {

    @TempDir Path tmp;
    Path disk;
    MoltStore store;

    @BeforeEach
    void mountSmallDisk() throws Exception {
        disk = Files.createDirectory(tmp.resolve("disk"));
        run("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", disk.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        if (store != null) {
            store.close();
        }
        if (run0("umount", disk.toString()) != 0) {
            run("umount", "-l", disk.toString());
        }
    }

    @Test
    void aSnapshotLargerThanTheDiskIsRefusedAndTheStoreStaysUsable() throws Exception {
        store = MoltStore.open(disk.resolve("store"));
        commit("small", 1, 8 * MIB);

        SnapshotWriter big = store.snapshots().begin("big", Map.of());
        assertThatThrownBy(() -> {
            big.addFile("pages.img", 0600, new ByteArrayInputStream(TestImages.bytes(2, 100 * MIB, 0)));
            big.commit();
        }).isInstanceOf(SnapshotException.NoSpace.class)
                .hasMessageContaining("Molt store at " + disk.resolve("store"))
                .hasMessageContaining("kept for the journal");
        big.close();

        assertUsableAfterNoSpace();
    }

    @Test
    void rocksDbMeetingTheFullDiskReopensAndTheJournalStaysWritable() throws Exception {
        store = MoltStore.open(disk.resolve("store"), false, MoltStore.NO_SPACE_GUARD);
        commit("small", 1, 8 * MIB);

        SnapshotWriter big = store.snapshots().begin("big", Map.of());
        assertThatThrownBy(() -> {
            big.addFile("pages.img", 0600, new ByteArrayInputStream(TestImages.bytes(2, 100 * MIB, 0)));
            big.commit();
        }).isInstanceOf(SnapshotException.NoSpace.class)
                .hasMessageContaining("Molt store at " + disk.resolve("store"))
                .hasMessageContaining("No space left on device");
        big.close();

        assertUsableAfterNoSpace();
    }

    @Test
    void aJournalWriteThatMeetsTheFullDiskIsRetriedAfterTheStoreReopens() throws Exception {
        store = MoltStore.open(disk.resolve("store"), false, MoltStore.NO_SPACE_GUARD);
        commit("small", 1, 8 * MIB);
        SnapshotWriter big = store.snapshots().begin("big", Map.of());
        // 12 MiB stays in one memory table; then a ballast file leaves 2 MiB free, and flushing
        // the table in the background fails
        big.addFile("pages.img", 0600, new ByteArrayInputStream(TestImages.bytes(2, 12 * MIB, 0)));
        Path ballast = fill(disk.resolve("ballast"), store.freeBytes() - 2 * MIB);
        store.write("test: flush in the background", h -> {
            try (var flush = new FlushOptions().setWaitForFlush(false)) {
                h.db().flush(flush, h.cf(Family.CHUNKS));
            }
            return null;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (store.read("test: background errors",
                h -> h.db().getLongProperty("rocksdb.background-errors")) == 0) {
            assertThat(System.nanoTime()).as("background flush failed in time").isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // poll, not spin
        }

        assertThat(store.journal().append("upgrade-1", "persist failed".getBytes(UTF_8)))
                .isEqualTo(1);

        assertThatThrownBy(big::commit).isInstanceOf(SnapshotException.NoSpace.class)
                .hasMessageContaining("reopened after its disk filled up");
        big.close();
        Files.delete(ballast);
        assertUsableAfterNoSpace(2);
    }

    /** What must hold after a NoSpace: journal, old snapshots, garbage collection, reopen. */
    private void assertUsableAfterNoSpace() throws IOException {
        assertUsableAfterNoSpace(1);
    }

    private void assertUsableAfterNoSpace(long journalSequence) throws IOException {
        SnapshotStore snapshots = store.snapshots();
        assertThat(snapshots.manifest("big")).isEmpty();
        assertThat(store.journal().append("upgrade-1", "persist failed".getBytes(UTF_8)))
                .isEqualTo(journalSequence);
        exportAndCompare("small", 1, 8 * MIB);

        snapshots.collectGarbage();
        commit("after", 3, 8 * MIB);

        store.close();
        store = MoltStore.open(disk.resolve("store"));
        assertThat(store.snapshots().list()).extracting(SnapshotStore.Manifest::id)
                .containsExactlyInAnyOrder("small", "after");
        exportAndCompare("small", 1, 8 * MIB);
        exportAndCompare("after", 3, 8 * MIB);
        assertThat(store.journal().last("upgrade-1")).isPresent();
    }

    private static Path fill(Path file, long bytes) throws IOException {
        byte[] block = new byte[MIB];
        try (var out = Files.newOutputStream(file)) {
            for (long left = bytes; left > 0; left -= block.length) {
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
        return file;
    }

    private void commit(String id, long seed, int size) throws IOException {
        try (SnapshotWriter writer = store.snapshots().begin(id, Map.of())) {
            writer.addFile("pages.img", 0600,
                    new ByteArrayInputStream(TestImages.bytes(seed, size, 0.3)));
            writer.commit();
        }
    }

    /** Exports outside the small disk, which has no room for a copy. */
    private void exportAndCompare(String id, long seed, int size) throws IOException {
        Path target = Files.createTempDirectory(tmp, id);
        Files.delete(target);
        store.snapshots().export(id, target, SnapshotStore.Progress.NONE);
        assertThat(target.resolve("pages.img")).hasBinaryContent(TestImages.bytes(seed, size, 0.3));
    }

    private static void run(String... command) throws Exception {
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue())
                .as("%s failed (this test needs root to mount a tmpfs): %s",
                        String.join(" ", command), output)
                .isZero();
    }

    private static int run0(String... command) throws Exception {
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        process.waitFor(30, TimeUnit.SECONDS);
        return process.exitValue();
    }
}
