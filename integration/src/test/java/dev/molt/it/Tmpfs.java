package dev.molt.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A small tmpfs the test mounts and unmounts: a disk that fills up on demand. Mounting needs root;
 * when it fails the test fails (it never skips).
 */
final class Tmpfs implements AutoCloseable {
    final Path dir;
    private final Path filler;
    private boolean mounted;
    /** The filler's process while it waits: ended at close if the test never used it. */
    private Process armed;

    private Tmpfs(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler");
    }

    static Tmpfs mount(Path dir, long mib) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Tmpfs fs = new Tmpfs(dir);
        Tools.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + mib + "m", "tmpfs", dir.toString()));
        fs.mounted = true;
        return fs;
    }

    long freeBytes() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /**
     * Starts the filler's process now, waiting for its size, so that {@link Filler#fillLeaving}
     * costs a pipe write and an fallocate, not a fork and exec of a JVM's child: a test racing a
     * dump wants the disk full within milliseconds.
     */
    Filler armFiller() throws IOException {
        Process p = new ProcessBuilder("sh", "-c", "read size && exec fallocate -l \"$size\" \"$0\"", filler.toString())
                .redirectErrorStream(true).start();
        armed = p;
        return new Filler(p);
    }

    final class Filler {
        private final Process process;

        private Filler(Process process) {
            this.process = process;
        }

        /** Allocates (tmpfs counts fallocate'd pages) all but {@code leftBytes} of the free space. */
        void fillLeaving(long leftBytes) throws IOException, InterruptedException {
            long size = freeBytes() - leftBytes;
            if (size <= 0) {
                process.destroyForcibly();
                throw new IllegalStateException(dir + " has only " + freeBytes() + " bytes free, less than the " + leftBytes + " to leave");
            }
            try (var in = process.getOutputStream()) {
                in.write((size + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            String out = new String(process.getInputStream().readAllBytes());
            if (process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0) {
                return;
            }
            // Another writer (CRIU, racing) took more than leftBytes between the measure and the
            // fallocate, which then got nothing: measure again and take what is left now.
            for (int attempt = 1; attempt <= 5; attempt++) {
                long now = freeBytes() - leftBytes;
                if (now <= 0) {
                    return;
                }
                Process again = new ProcessBuilder("fallocate", "-l", Long.toString(now), filler + "." + attempt)
                        .redirectErrorStream(true).start();
                out = new String(again.getInputStream().readAllBytes());
                if (again.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && again.exitValue() == 0) {
                    return;
                }
            }
            throw new IllegalStateException("fallocate of all but " + leftBytes + " bytes in " + dir + " failed: " + out);
        }
    }

    void emptyFiller() throws IOException {
        Files.deleteIfExists(filler);
        for (int attempt = 1; attempt <= 5; attempt++) {
            Files.deleteIfExists(Path.of(filler + "." + attempt));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (armed != null) {
            armed.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        if (mounted) {
            Tools.run(List.of("umount", dir.toString()));
            mounted = false;
        }
    }
}
