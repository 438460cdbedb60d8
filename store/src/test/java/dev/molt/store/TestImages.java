package dev.molt.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.SplittableRandom;

/** CRIU-like image bytes for tests: runs of random pages and zero pages, reproducible by seed. */
final class TestImages {

    static final int PAGE = 4096;
    static final int MIB = 1 << 20;

    private TestImages() {}

    /**
     * {@code size} bytes in runs of 1 to 64 pages, each run all random or all zero; about
     * {@code zeroShare} of the runs are zero.
     */
    static byte[] bytes(long seed, int size, double zeroShare) {
        var random = new SplittableRandom(seed);
        ByteBuffer out = ByteBuffer.allocate(size);
        while (out.hasRemaining()) {
            int run = Math.min(out.remaining(), (1 + random.nextInt(64)) * PAGE);
            if (random.nextDouble() < zeroShare) {
                out.position(out.position() + run);
                continue;
            }
            for (int i = 0; i < run / Long.BYTES; i++) {
                out.putLong(random.nextLong());
            }
            for (int i = 0; i < run % Long.BYTES; i++) {
                out.put((byte) random.nextInt());
            }
        }
        return out.array();
    }

    /** Writes a file of {@link #bytes} with the given mode; returns its path. */
    static Path file(Path dir, String name, long seed, int size, double zeroShare, String mode)
            throws IOException {
        Path file = dir.resolve(name);
        try (var channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes(seed, size, zeroShare));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
