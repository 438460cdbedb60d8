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

    /** Allocates (really: tmpfs counts fallocate'd pages) all but {@code leftBytes} of the free space. */
    void fillLeaving(long leftBytes) throws IOException, InterruptedException {
        long size = freeBytes() - leftBytes;
        if (size <= 0) {
            throw new IllegalStateException(dir + " has only " + freeBytes() + " bytes free, less than the " + leftBytes + " to leave");
        }
        Tools.run(List.of("fallocate", "-l", Long.toString(size), filler.toString()));
    }

    void emptyFiller() throws IOException {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (mounted) {
            Tools.run(List.of("umount", dir.toString()));
            mounted = false;
        }
    }
}
