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
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A damaged chunk is reported by verify and stops export before any of its bytes are written. */
@Timeout(120)
class CorruptChunkTest {

    @TempDir Path tmp;
    MoltStore store;
    Manifest manifest;
    byte[] big;

    @BeforeEach
    void commitSnapshot() throws IOException {
        store = MoltStore.open(tmp.resolve("store"));
        big = TestImages.bytes(21, 4 * MIB + 100, 0.0);
        try (SnapshotWriter writer = store.snapshots().begin("s1", Map.of())) {
            writer.addFile("core.img", 0600, new ByteArrayInputStream(new byte[] {1, 2, 3}));
            writer.addFile("pages.img", 0600, new ByteArrayInputStream(big));
            manifest = writer.commit();
        }
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void garbageUnderAChunkKeyIsReportedAndStopsTheExport() throws IOException {
        String third = manifest.files().get(1).chunkKeys().get(2);
        byte[] garbage = Arrays.copyOf(big, MIB);
        garbage[12345] ^= 1;
        store.write("test: overwrite a chunk", h -> {
            h.db().put(h.cf(Family.CHUNKS), ChunkKeys.dataKey(ChunkKeys.digest(third)), garbage);
            return null;
        });

        SnapshotStore.VerifyResult result = store.snapshots().verify("s1");
        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).singleElement().asString()
                .contains("file pages.img, chunk 3 of 5 (index 2)")
                .contains("chunk " + third + " fails its checksum");

        Path target = tmp.resolve("restore/images");
        assertThatThrownBy(() -> store.snapshots().export("s1", target, SnapshotStore.Progress.NONE))
                .isInstanceOf(SnapshotException.Corrupt.class)
                .hasMessageContaining("snapshot s1, file pages.img, chunk 3 of 5 (index 2)")
                .hasMessageContaining("must not be restored");
        assertThat(tmp.resolve("restore")).doesNotExist();
    }

    @Test
    void aMissingChunkStopsTheExportAndExistingDirectoriesAreLeftEmpty() throws IOException {
        String last = manifest.files().get(1).chunkKeys().get(4);
        store.write("test: delete a chunk", h -> {
            h.db().delete(h.cf(Family.CHUNKS), ChunkKeys.dataKey(ChunkKeys.digest(last)));
            return null;
        });
        Path target = Files.createDirectory(tmp.resolve("target"));

        assertThat(store.snapshots().verify("s1").problems()).singleElement().asString()
                .contains("chunk 5 of 5").contains("is missing");
        assertThatThrownBy(() -> store.snapshots().export("s1", target, SnapshotStore.Progress.NONE))
                .isInstanceOf(SnapshotException.Corrupt.class)
                .hasMessageContaining("file pages.img, chunk 5 of 5");
        try (Stream<Path> left = Files.list(target)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aFlippedByteInABlobFileOnDiskIsCaught() throws IOException {
        store.close();
        byte[] needle = Arrays.copyOfRange(big, 2 * MIB + 4096, 2 * MIB + 4096 + 64);
        Path blob = flipByteAfter(needle);
        assertThat(blob).as("blob file holding the third chunk").isNotNull();
        store = MoltStore.open(tmp.resolve("store"));

        assertThat(store.snapshots().verify("s1").problems()).singleElement().asString()
                .contains("file pages.img, chunk 3 of 5");
        Path target = tmp.resolve("restore");
        assertThatThrownBy(() -> store.snapshots().export("s1", target, SnapshotStore.Progress.NONE))
                .isInstanceOf(SnapshotException.Corrupt.class)
                .hasMessageContaining("file pages.img, chunk 3 of 5");
        assertThat(target).doesNotExist();
    }

    /** Finds {@code needle} in one of the store's blob files and flips a byte inside it. */
    private Path flipByteAfter(byte[] needle) throws IOException {
        List<Path> blobs;
        try (Stream<Path> files = Files.list(tmp.resolve("store"))) {
            blobs = files.filter(p -> p.toString().endsWith(".blob")).toList();
        }
        for (Path blob : blobs) {
            byte[] content = Files.readAllBytes(blob);
            int at = indexOf(content, needle);
            if (at >= 0) {
                try (var channel = FileChannel.open(blob, StandardOpenOption.WRITE)) {
                    channel.write(ByteBuffer.wrap(new byte[] {(byte) ~content[at + 10]}), at + 10);
                }
                return blob;
            }
        }
        return null;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
