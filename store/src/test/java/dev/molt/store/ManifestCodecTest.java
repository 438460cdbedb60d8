package dev.molt.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore.FileEntry;
import dev.molt.snapshot.SnapshotStore.Manifest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {

    private static final String KEY_A = "ab".repeat(32);
    private static final String KEY_B = "0f".repeat(32);

    private final Manifest manifest = ManifestCodec.normalized(new Manifest("upgrade-1",
            1_700_000_000_123L, Map.of("kernel", "6.1.0-56", "host", "db-7 \u00e9"),
            List.of(new FileEntry("pages-1.img", 2 * 1024 * 1024 + 5, 0600,
                            List.of(KEY_A, KEY_B, KEY_A)),
                    new FileEntry("empty.img", 0, 0644, List.of())),
            2 * 1024 * 1024 + 5, 1024 * 1024 + 5));

    @Test
    void decodeReturnsWhatWasEncoded() throws Exception {
        Manifest decoded = ManifestCodec.decode("upgrade-1", ManifestCodec.encode(manifest));

        assertThat(decoded).isEqualTo(manifest);
        assertThat(decoded.labels().keySet()).containsExactly("host", "kernel");
    }

    @Test
    void everySingleFlippedBitIsDetected() {
        byte[] encoded = ManifestCodec.encode(manifest);
        for (int i = 0; i < encoded.length; i++) {
            byte[] damaged = encoded.clone();
            damaged[i] ^= 0x10;
            assertThatThrownBy(() -> ManifestCodec.decode("upgrade-1", damaged))
                    .as("flipped bit in byte %d", i)
                    .isInstanceOf(SnapshotException.Corrupt.class)
                    .hasMessageContaining("manifest of snapshot upgrade-1 is unreadable");
        }
    }

    @Test
    void truncatedManifestsAreRefused() {
        byte[] encoded = ManifestCodec.encode(manifest);
        for (int length : new int[] {0, 5, 20, encoded.length - 1}) {
            assertThatThrownBy(() -> ManifestCodec.decode("s", Arrays.copyOf(encoded, length)))
                    .isInstanceOf(SnapshotException.Corrupt.class);
        }
    }

    @Test
    void anUnknownVersionIsRefusedByName() {
        byte[] encoded = ManifestCodec.encode(manifest);
        ByteBuffer.wrap(encoded).putShort(4, (short) 2);
        // re-seal the CRC so that only the version is wrong
        var crc = new java.util.zip.CRC32C();
        crc.update(encoded, 0, encoded.length - 4);
        ByteBuffer.wrap(encoded).putInt(encoded.length - 4, (int) crc.getValue());

        assertThatThrownBy(() -> ManifestCodec.decode("s", encoded))
                .isInstanceOf(SnapshotException.Corrupt.class)
                .hasMessageContaining("format version 2, this Molt reads only version 1");
    }
}
