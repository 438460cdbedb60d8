package dev.molt.store;

import static dev.molt.store.TestImages.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotSpool;
import dev.molt.snapshot.SnapshotSpool.Spooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class SnapshotSpoolTest {

    @TempDir Path tmp;

    private Path images(String name) throws IOException {
        Path images = Files.createDirectories(tmp.resolve(name));
        TestImages.file(images, "pages-1.img", 1, 3 * MIB + 17, 0.3, "rw-------");
        TestImages.file(images, "core-1.img", 2, 900, 0.0, "rw-------");
        TestImages.file(images, "empty.img", 3, 0, 0.0, "rw-------");
        return images;
    }

    @Test
    void aSpooledSnapshotKeepsTheImagesWithChecksumsThatSha256sumAccepts() throws Exception {
        SnapshotSpool spool = new SnapshotSpool(tmp.resolve("spool"));
        Path images = images("staging");
        byte[] pages = Files.readAllBytes(images.resolve("pages-1.img"));

        Spooled s = spool.spool("u-1-0", Map.of("kernel", "6.1.0-50-amd64"), images, 1234L);

        assertThat(images).doesNotExist();
        assertThat(s.images().resolve("pages-1.img")).hasBinaryContent(pages);
        assertThat(s.imageBytes()).isEqualTo(3 * MIB + 17 + 900);
        assertThat(spool.find("u-1-0")).get().satisfies(found -> {
            assertThat(found.labels()).containsEntry("kernel", "6.1.0-50-amd64");
            assertThat(found.createdAtMillis()).isEqualTo(1234L);
            assertThat(found.files()).containsOnlyKeys("pages-1.img", "core-1.img", "empty.img");
        });
        // The boot hook checks the images with coreutils before CRIU sees them.
        Process check = new ProcessBuilder("sha256sum", "-c", "--quiet", s.checksums().toString())
                .directory(s.images().toFile()).redirectErrorStream(true).start();
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as(new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
        assertThat(spool.verify("u-1-0").ok()).isTrue();
    }

    @Test
    void aChangedOrMissingOrExtraImageFileFailsVerification() throws Exception {
        SnapshotSpool spool = new SnapshotSpool(tmp.resolve("spool"));
        Spooled s = spool.spool("u-2-0", Map.of(), images("staging"), 1L);
        byte[] core = Files.readAllBytes(s.images().resolve("core-1.img"));
        core[100] ^= 1;
        Files.write(s.images().resolve("core-1.img"), core);
        Files.delete(s.images().resolve("empty.img"));
        Files.writeString(s.images().resolve("stray.img"), "x");

        var result = spool.verify("u-2-0");

        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).anyMatch(p -> p.startsWith("core-1.img: SHA-256"))
                .anyMatch(p -> p.equals("empty.img: missing"))
                .anyMatch(p -> p.startsWith("stray.img: not in SHA256SUMS"));
    }

    @Test
    void aSpoolCutShortIsNeverListedAndIsCleanedUp() throws Exception {
        SnapshotSpool spool = new SnapshotSpool(tmp.resolve("spool"));
        // What a crash between the move of the images and the final rename leaves.
        Path partial = Files.createDirectories(tmp.resolve("spool/.partial-u-3-0/images"));
        Files.writeString(partial.resolve("core-1.img"), "half");

        assertThat(spool.list()).isEmpty();
        assertThat(spool.find("u-3-0")).isEmpty();
        assertThat(spool.deletePartials()).isEqualTo(1);
        assertThat(tmp.resolve("spool/.partial-u-3-0")).doesNotExist();
    }

    @Test
    void persistingMovesTheSnapshotIntoTheStoreByteForByte() throws Exception {
        SnapshotSpool spool = new SnapshotSpool(tmp.resolve("spool"));
        Spooled s = spool.spool("u-4-0", Map.of("workload", "w"), images("staging"), 5L);
        byte[] pages = Files.readAllBytes(s.images().resolve("pages-1.img"));
        try (MoltStore store = MoltStore.open(tmp.resolve("store"))) {
            var manifest = spool.persistInto(store.snapshots(), "u-4-0", (d, t) -> {});

            assertThat(manifest.labels()).containsEntry("workload", "w");
            assertThat(spool.find("u-4-0")).isEmpty();
            Path out = tmp.resolve("out");
            store.snapshots().export("u-4-0", out, (d, t) -> {});
            assertThat(out.resolve("pages-1.img")).hasBinaryContent(pages);
        }
    }

    @Test
    void aSpooledSnapshotThatNoLongerMatchesItsChecksumsStaysOutOfTheStore() throws Exception {
        SnapshotSpool spool = new SnapshotSpool(tmp.resolve("spool"));
        Spooled s = spool.spool("u-5-0", Map.of(), images("staging"), 5L);
        Files.writeString(s.images().resolve("core-1.img"), "overwritten");
        try (MoltStore store = MoltStore.open(tmp.resolve("store"))) {
            assertThatThrownBy(() -> spool.persistInto(store.snapshots(), "u-5-0", (d, t) -> {}))
                    .isInstanceOf(SnapshotException.Corrupt.class)
                    .hasMessageContaining("core-1.img");
            assertThat(store.snapshots().manifest("u-5-0")).isEmpty();
            assertThat(spool.find("u-5-0")).isPresent();
        }
    }

    @Test
    void idsAreCheckedAndNotReused() throws Exception {
        SnapshotSpool spool = new SnapshotSpool(tmp.resolve("spool"));
        spool.spool("u-6-0", Map.of(), images("a"), 1L);

        assertThatThrownBy(() -> spool.spool("u-6-0", Map.of(), images("b"), 2L))
                .isInstanceOf(SnapshotException.AlreadyExists.class);
        assertThatThrownBy(() -> spool.spool("../etc", Map.of(), tmp, 2L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../etc'");
        assertThat(spool.find("../etc")).isEmpty();
        spool.delete("u-6-0");
        assertThat(spool.list()).isEmpty();
        assertThat(List.of(tmp.resolve("spool").toFile().list())).isEmpty();
    }
}
