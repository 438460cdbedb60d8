package dev.molt.store;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore.FileEntry;
import dev.molt.snapshot.SnapshotStore.Manifest;
import dev.molt.snapshot.SnapshotStore.Progress;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes one snapshot's files into a directory, checking each chunk's length and SHA-256 before
 * any of its bytes reach the file. On any failure (a bad chunk above all, but also a full target
 * disk) it deletes every file it created, and the directories it created, before rethrowing:
 * CRIU must never see a partial image set. Files are created new; an existing file of the same
 * name stops the export. Files are not fsynced: they are read back by CRIU right away, and a
 * crash before that leaves the snapshot in the store to export again.
 *
 * <p>One helper thread reads and checks up to {@link #READ_AHEAD} chunks ahead while the calling
 * thread writes: reading (decompression, SHA-256) and writing then overlap on two cores. A chunk
 * is written only after its check passed.
 */
final class SnapshotExport {

    static final int READ_AHEAD = 6;
    /** Readers: decompression and SHA-256 of successive chunks run in parallel, in order of use. */
    static final int READERS = 2;
    /**
     * Chunks are content-addressed, so a key seen again in this export has the same checked bytes:
     * the last few are reused instead of read and hashed again (runs of equal pages are common in
     * memory images). Bounded: at most this many chunks (1 MiB each) are held.
     */
    static final int RECENT = 16;

    private final RocksSnapshotStore snapshots;
    private final Manifest manifest;
    private final Path directory;
    private final Progress progress;
    private final List<Path> created = new ArrayList<>();
    private final Deque<Future<ChunkCheck.Checked>> reading = new ArrayDeque<>();
    private final List<FileEntry> toRead = new ArrayList<>();
    private final java.util.Map<String, Future<ChunkCheck.Checked>> recent = new java.util.LinkedHashMap<>(32, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Future<ChunkCheck.Checked>> eldest) {
            return size() > RECENT;
        }
    };
    private int readFile;
    private int readChunk;

    SnapshotExport(RocksSnapshotStore snapshots, Manifest manifest, Path directory,
            Progress progress) {
        this.snapshots = snapshots;
        this.manifest = manifest;
        this.directory = directory.toAbsolutePath().normalize();
        this.progress = progress;
    }

    void run() throws IOException {
        ExecutorService reader = Executors.newFixedThreadPool(READERS,
                Thread.ofPlatform().name("molt-export-" + manifest.id() + "-", 0).daemon().factory());
        try {
            toRead.addAll(manifest.files());
            createDirectories();
            long done = 0;
            for (FileEntry file : manifest.files()) {
                done = exportFile(file, reader, done);
            }
        } catch (IOException | RuntimeException | Error e) {
            reading.forEach(f -> f.cancel(true));
            recent.clear();
            deleteCreated(e);
            throw e;
        } finally {
            reader.shutdownNow();
        }
    }

    private long exportFile(FileEntry file, ExecutorService reader, long done)
            throws IOException {
        String layout = ChunkCheck.layoutProblem(file);
        if (layout != null) {
            throw corrupt("snapshot " + manifest.id() + ": " + layout);
        }
        try {
            RocksSnapshotStore.requirePlainFileName(file.name());
        } catch (IllegalArgumentException e) {
            throw corrupt("snapshot " + manifest.id() + ": " + e.getMessage());
        }
        Path target = directory.resolve(file.name());
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            created.add(target);
            List<String> keys = file.chunkKeys();
            for (int i = 0; i < keys.size(); i++) {
                ChunkCheck.Checked chunk = nextChunk(reader);
                if (!chunk.sound()) {
                    throw corrupt(ChunkCheck.where(manifest.id(), file, i) + ": " + chunk.problem());
                }
                byte[] bytes = chunk.bytes();
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                done += bytes.length;
                progress.update(done, manifest.imageBytes());
            }
        }
        Files.setPosixFilePermissions(target, permissions(file.mode()));
        return done;
    }

    /** The next chunk in export order, checked; keeps the read-ahead window full. */
    private ChunkCheck.Checked nextChunk(ExecutorService reader) throws IOException {
        while (reading.size() < READ_AHEAD && readFile < toRead.size()) {
            FileEntry file = toRead.get(readFile);
            if (readChunk < file.chunkKeys().size()) {
                String key = file.chunkKeys().get(readChunk);
                long length = ChunkCheck.length(file, readChunk);
                // The length is part of what is checked: reuse only a read of the same length.
                String recentKey = key + "/" + length;
                Future<ChunkCheck.Checked> read = recent.get(recentKey);
                if (read == null) {
                    read = reader.submit(() -> ChunkCheck.read(key, () -> snapshots.readChunk(key), length));
                    recent.put(recentKey, read);
                }
                reading.add(read);
                readChunk++;
            } else {
                readFile++;
                readChunk = 0;
            }
        }
        try {
            return reading.removeFirst().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("export of snapshot " + manifest.id() + " interrupted");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error error -> throw error;
                default -> throw new IllegalStateException(e.getCause());
            }
        }
    }

    private SnapshotException.Corrupt corrupt(String what) {
        return new SnapshotException.Corrupt(what + "; the snapshot must not be restored, and"
                + " the files exported so far from it were deleted from " + directory);
    }

    /** Creates the missing directories from the top down, remembering them for cleanup. */
    private void createDirectories() throws IOException {
        var missing = new ArrayList<Path>();
        for (Path p = directory; p != null && !Files.exists(p); p = p.getParent()) {
            missing.addFirst(p);
        }
        for (Path dir : missing) {
            Files.createDirectory(dir);
            created.add(dir);
        }
    }

    private void deleteCreated(Throwable cause) {
        for (Path path : created.reversed()) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        }
        created.clear();
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        var permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        return permissions;
    }
}
