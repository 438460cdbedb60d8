package dev.molt.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.snapshot.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class MoltStoreLifecycleTest {

    @TempDir Path tmp;

    @Test
    void closeIsIdempotentAndLaterCallsSayTheStoreIsClosed() throws IOException {
        MoltStore store = MoltStore.open(tmp.resolve("store"));
        store.close();
        store.close();

        assertThatThrownBy(() -> store.journal().append("s", new byte[] {1}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the Molt store at " + tmp.resolve("store") + " is closed");
        assertThatThrownBy(() -> store.snapshots().list())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    @Test
    void openingAFileFailsClearlyAndLeaksNothing() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        long fdsBefore = openFileDescriptors();

        assertThatThrownBy(() -> MoltStore.open(file))
                .isInstanceOf(IOException.class)
                .hasMessage("cannot open the Molt store at " + file
                        + ": it is a file, not a directory; give the store a directory of its own");
        assertThat(openFileDescriptors()).isEqualTo(fdsBefore);
        assertThat(file).hasContent("x");
    }

    @Test
    void openingAStoreThatIsAlreadyOpenFailsAndReleasesEverythingItTook() throws IOException {
        Path dir = tmp.resolve("store");
        try (MoltStore first = MoltStore.open(dir)) {
            first.journal().append("s", new byte[] {1});
            long fdsBefore = openFileDescriptors();

            assertThatThrownBy(() -> MoltStore.open(dir))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Molt store at " + dir + ": open failed")
                    .hasMessageContaining("LOCK");
            assertThat(openFileDescriptors()).isEqualTo(fdsBefore);
            assertThat(first.journal().last("s")).isPresent();
        }
        try (MoltStore again = MoltStore.open(dir)) {
            assertThat(again.journal().last("s")).isPresent();
        }
    }

    @Test
    void openingReadOnlyAMissingStoreFails() {
        Path missing = tmp.resolve("missing");

        assertThatThrownBy(() -> MoltStore.openReadOnly(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing + " read-only: the directory does not exist");
        assertThat(missing).doesNotExist();
    }

    @Test
    void reportsItsPathUsedAndFreeBytes() throws IOException {
        try (MoltStore store = MoltStore.open(tmp.resolve("store"))) {
            long empty = store.usedBytes();
            try (SnapshotWriter writer = store.snapshots().begin("s1", Map.of())) {
                writer.addFile("a.img", 0600,
                        new ByteArrayInputStream(TestImages.bytes(1, 8 * TestImages.MIB, 0)));
                writer.commit();
            }

            assertThat(store.path()).isEqualTo(tmp.resolve("store"));
            assertThat(store.usedBytes()).isGreaterThan(empty + 7 * TestImages.MIB);
            assertThat(store.freeBytes()).isPositive();
        }
    }

    static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
