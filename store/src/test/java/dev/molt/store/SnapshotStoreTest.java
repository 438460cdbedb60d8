package dev.molt.store;

import static dev.molt.store.TestImages.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore;
import dev.molt.snapshot.SnapshotStore.Manifest;
import dev.molt.snapshot.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(120)
class SnapshotStoreTest {

    @TempDir Path tmp;
    MoltStore store;
    SnapshotStore snapshots;

    @BeforeEach
    void open() throws IOException {
        store = MoltStore.open(tmp.resolve("store"));
        snapshots = store.snapshots();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void snapshotOfSeveralFilesExportsByteIdentical() throws IOException {
        Path images = Files.createDirectory(tmp.resolve("images"));
        TestImages.file(images, "pages-1.img", 1, 50 * MIB + 12345, 0.4, "rw-------");
        TestImages.file(images, "pagemap-1.img", 2, 3 * MIB, 0.0, "rw-r-----");
        TestImages.file(images, "exactly-one-chunk.img", 3, MIB, 0.0, "rw-r--r--");
        TestImages.file(images, "core-1.img", 4, 100, 0.0, "r--------");
        TestImages.file(images, "empty.img", 5, 0, 0.0, "rw-------");
        var progress = new ArrayList<long[]>();

        Manifest committed;
        try (SnapshotWriter writer = snapshots.begin("upgrade-1", Map.of("kernel", "6.1.0-56"))) {
            writer.addDirectory(images, (done, total) -> progress.add(new long[] {done, total}));
            committed = writer.commit();
        }

        long total = 54L * MIB + 12345 + 100;
        assertThat(committed.id()).isEqualTo("upgrade-1");
        assertThat(committed.labels()).containsExactly(Map.entry("kernel", "6.1.0-56"));
        assertThat(committed.imageBytes()).isEqualTo(total);
        assertThat(committed.storedBytes()).isPositive().isLessThanOrEqualTo(total);
        assertThat(committed.files()).extracting(SnapshotStore.FileEntry::name).containsExactly(
                "core-1.img", "empty.img", "exactly-one-chunk.img", "pagemap-1.img", "pages-1.img");
        assertThat(committed.files()).extracting(f -> f.chunkKeys().size())
                .containsExactly(1, 0, 1, 3, 51);
        assertThat(committed.files().get(0).mode()).isEqualTo(0400);
        assertThat(progress.getLast()).containsExactly(total, total);
        assertThat(snapshots.manifest("upgrade-1")).contains(committed);
        assertThat(snapshots.list()).containsExactly(committed);

        Path restored = tmp.resolve("restored/images");
        snapshots.export("upgrade-1", restored, SnapshotStore.Progress.NONE);

        assertSameFiles(images, restored);
        assertThat(PosixFilePermissions.toString(
                Files.getPosixFilePermissions(restored.resolve("pagemap-1.img"))))
                .isEqualTo("rw-r-----");
        assertThat(snapshots.verify("upgrade-1").ok()).isTrue();
        assertThat(snapshots.verify("upgrade-1").bytesChecked()).isPositive();
    }

    @Test
    void snapshotIsInvisibleUntilCommitted() throws IOException {
        try (SnapshotWriter writer = snapshots.begin("s1", Map.of())) {
            writer.addFile("a.img", 0600, stream(7, 2 * MIB));

            assertThat(snapshots.manifest("s1")).isEmpty();
            assertThat(snapshots.list()).isEmpty();
            assertThatThrownBy(() -> snapshots.export("s1", tmp.resolve("out"), SnapshotStore.Progress.NONE))
                    .isInstanceOf(SnapshotException.NotFound.class);

            writer.commit();
        }
        assertThat(snapshots.manifest("s1")).isPresent();
    }

    @Test
    void abortedSnapshotLeavesNothingVisibleAndGarbageCollectionFreesItsChunks() throws IOException {
        try (SnapshotWriter writer = snapshots.begin("s1", Map.of())) {
            writer.addFile("a.img", 0600, stream(8, 5 * MIB));
            writer.abort();
            assertThatThrownBy(writer::commit).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("aborted");
        }

        assertThat(snapshots.manifest("s1")).isEmpty();
        assertThat(snapshots.list()).isEmpty();
        assertThat(snapshots.collectGarbage())
                .isEqualTo(new SnapshotStore.GcResult(5, 5L * MIB));
        assertThat(snapshots.collectGarbage()).isEqualTo(new SnapshotStore.GcResult(0, 0));
    }

    @Test
    void closingAnUncommittedWriterAbortsIt() throws IOException {
        try (SnapshotWriter writer = snapshots.begin("s1", Map.of())) {
            writer.addFile("a.img", 0600, stream(9, MIB));
        }
        assertThat(snapshots.manifest("s1")).isEmpty();
        assertThat(snapshots.collectGarbage().chunksDeleted()).isEqualTo(1);
        // the id is free again
        commit("s1", "a.img", 10, MIB);
    }

    @Test
    void garbageCollectionKeepsChunksOfOpenWriters() throws IOException {
        try (SnapshotWriter writer = snapshots.begin("s1", Map.of())) {
            writer.addFile("a.img", 0600, stream(11, 3 * MIB));

            assertThat(snapshots.collectGarbage().chunksDeleted()).isZero();

            writer.commit();
        }
        snapshots.export("s1", tmp.resolve("out"), SnapshotStore.Progress.NONE);
        assertThat(tmp.resolve("out/a.img")).hasBinaryContent(TestImages.bytes(11, 3 * MIB, 0.3));
    }

    @Test
    void identicalChunksAreStoredOnceAndOutliveADeletedSnapshot() throws IOException {
        Manifest first = commit("first", "a.img", 12, 4 * MIB);
        Manifest second = commit("second", "a.img", 12, 4 * MIB);
        assertThat(second.storedBytes()).isZero();
        assertThat(second.files().getFirst().chunkKeys())
                .isEqualTo(first.files().getFirst().chunkKeys());

        snapshots.delete("first");
        snapshots.delete("first"); // deleting twice is harmless

        assertThat(snapshots.list()).extracting(Manifest::id).containsExactly("second");
        assertThat(snapshots.collectGarbage().chunksDeleted()).isZero();
        snapshots.export("second", tmp.resolve("out"), SnapshotStore.Progress.NONE);
        assertThat(tmp.resolve("out/a.img")).hasBinaryContent(TestImages.bytes(12, 4 * MIB, 0.3));

        snapshots.delete("second");
        assertThat(snapshots.collectGarbage().chunksDeleted()).isPositive();
        assertThat(snapshots.list()).isEmpty();
    }

    @Test
    void listShowsNewestFirst() throws IOException {
        commit("older", "a.img", 13, 1000);
        commit("newer", "a.img", 14, 1000);

        assertThat(snapshots.list()).extracting(Manifest::id).containsExactly("newer", "older");
    }

    @Test
    void duplicateIdIsRejected() throws IOException {
        commit("s1", "a.img", 15, 1000);

        assertThatThrownBy(() -> snapshots.begin("s1", Map.of()))
                .isInstanceOf(UncheckedIOException.class)
                .cause().isInstanceOf(SnapshotException.AlreadyExists.class)
                .hasMessage("snapshot s1 already exists");
    }

    @Test
    void secondWriterOfTheSameIdIsRejectedWhileTheFirstIsOpen() {
        SnapshotWriter first = snapshots.begin("s1", Map.of());

        assertThatThrownBy(() -> snapshots.begin("s1", Map.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("s1 is being written by another writer");

        first.abort();
        snapshots.begin("s1", Map.of()).close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "snap shot", "..", ".", "caf\u00e9", "tab\t"})
    void invalidIdsAreRejected(String id) {
        assertThatThrownBy(() -> snapshots.begin(id, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid snapshot id '" + id + "'")
                .hasMessageContaining("1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'");
    }

    @Test
    void idsOfUpTo128CharactersAreAccepted() {
        snapshots.begin("a".repeat(128), Map.of()).close();
        assertThatThrownBy(() -> snapshots.begin("a".repeat(129), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "..", "."})
    void fileNamesMustBePlain(String name) {
        try (SnapshotWriter writer = snapshots.begin("s1", Map.of())) {
            assertThatThrownBy(() -> writer.addFile(name, 0600, stream(1, 10)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a plain file name");
        }
    }

    @Test
    void aFileNameIsUsedOncePerSnapshot() throws IOException {
        try (SnapshotWriter writer = snapshots.begin("s1", Map.of())) {
            writer.addFile("a.img", 0600, stream(1, 10));
            assertThatThrownBy(() -> writer.addFile("a.img", 0600, stream(1, 10)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("snapshot s1 already has a file named a.img");
        }
    }

    @Test
    void exportRefusesToOverwriteAnExistingFileAndLeavesNothingOfItsOwn() throws IOException {
        commit("s1", "a.img", 16, 2 * MIB);
        Path target = Files.createDirectory(tmp.resolve("target"));
        Files.writeString(target.resolve("a.img"), "someone else's");

        assertThatThrownBy(() -> snapshots.export("s1", target, SnapshotStore.Progress.NONE))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(target.resolve("a.img")).hasContent("someone else's");
    }

    @Test
    void readOnlyStoreReadsSnapshotsAndRefusesWrites() throws IOException {
        commit("s1", "a.img", 17, 2 * MIB);
        store.close();

        try (MoltStore readOnly = MoltStore.openReadOnly(tmp.resolve("store"))) {
            SnapshotStore ro = readOnly.snapshots();
            assertThat(ro.list()).extracting(Manifest::id).containsExactly("s1");
            ro.export("s1", tmp.resolve("out"), SnapshotStore.Progress.NONE);
            assertThat(tmp.resolve("out/a.img")).hasBinaryContent(TestImages.bytes(17, 2 * MIB, 0.3));
            assertThatThrownBy(() -> ro.begin("s2", Map.of()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
            assertThatThrownBy(ro::collectGarbage)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
        }
    }

    private Manifest commit(String id, String file, long seed, int size) throws IOException {
        try (SnapshotWriter writer = snapshots.begin(id, Map.of())) {
            writer.addFile(file, 0600, stream(seed, size));
            return writer.commit();
        }
    }

    static ByteArrayInputStream stream(long seed, int size) {
        return new ByteArrayInputStream(TestImages.bytes(seed, size, 0.3));
    }

    static void assertSameFiles(Path expected, Path actual) throws IOException {
        List<Path> names;
        try (Stream<Path> files = Files.list(expected)) {
            names = files.map(Path::getFileName).sorted().toList();
        }
        try (Stream<Path> files = Files.list(actual)) {
            assertThat(files.map(Path::getFileName).sorted().toList()).isEqualTo(names);
        }
        for (Path name : names) {
            assertThat(Files.mismatch(expected.resolve(name), actual.resolve(name)))
                    .as("first differing byte of %s", name).isEqualTo(-1L);
        }
    }
}
