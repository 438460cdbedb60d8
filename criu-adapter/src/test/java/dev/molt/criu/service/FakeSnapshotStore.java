package dev.molt.criu.service;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore;
import dev.molt.snapshot.SnapshotWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A directory-backed stand-in for the RocksDB snapshot store, for the service's tests until the
 * real one lands: one directory per snapshot, one "chunk" per file (its SHA-256 is the chunk key),
 * manifests in memory. It keeps the contract the service relies on: nothing visible before
 * commit, export verifies every file before writing a byte.
 */
final class FakeSnapshotStore implements SnapshotStore {

    private final Path root;
    private final Map<String, Manifest> committed = new LinkedHashMap<>();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private volatile RuntimeException broken;

    FakeSnapshotStore(Path root) throws IOException {
        this.root = Files.createDirectories(root);
    }

    /** Every later call throws {@code failure} (a store whose disk went away); null mends it. */
    void breakWith(RuntimeException failure) {
        broken = failure;
    }

    /** Flips a byte of a stored file, as a bad disk would. */
    void corrupt(String snapshotId, String fileName) throws IOException {
        Path file = root.resolve(snapshotId).resolve(fileName);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(file, bytes);
    }

    @Override
    public synchronized SnapshotWriter begin(String snapshotId, Map<String, String> labels) {
        check();
        if (!snapshotId.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new IllegalArgumentException("bad snapshot id " + snapshotId);
        }
        if (committed.containsKey(snapshotId)) {
            // The interface documents this checked exception on begin() without declaring it.
            throw sneaky(new SnapshotException.AlreadyExists(snapshotId));
        }
        try {
            return new Writer(snapshotId, Map.copyOf(labels), Files.createDirectory(root.resolve(".pending-" + UUID.randomUUID())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized Optional<Manifest> manifest(String snapshotId) {
        check();
        return Optional.ofNullable(committed.get(snapshotId));
    }

    @Override
    public synchronized List<Manifest> list() {
        check();
        return committed.values().stream().sorted(Comparator.comparingLong(Manifest::createdAtMillis).reversed()).toList();
    }

    @Override
    public synchronized VerifyResult verify(String snapshotId) {
        check();
        Manifest manifest = committed.get(snapshotId);
        if (manifest == null) {
            return new VerifyResult(snapshotId, false, List.of("no snapshot " + snapshotId), 0);
        }
        List<String> problems = new ArrayList<>();
        long checked = 0;
        for (FileEntry file : manifest.files()) {
            Path stored = root.resolve(snapshotId).resolve(file.name());
            try {
                checked += Files.size(stored);
                if (!sha256(stored).equals(file.chunkKeys().getFirst())) {
                    problems.add(file.name() + " chunk 0: checksum differs");
                }
            } catch (IOException e) {
                problems.add(file.name() + " chunk 0: missing (" + e.getMessage() + ")");
            }
        }
        return new VerifyResult(snapshotId, problems.isEmpty(), problems, checked);
    }

    @Override
    public void export(String snapshotId, Path directory, Progress progress) throws IOException {
        Manifest manifest = manifest(snapshotId).orElseThrow(() -> new SnapshotException.NotFound(snapshotId));
        VerifyResult verified = verify(snapshotId);
        if (!verified.ok()) {
            throw new SnapshotException.Corrupt("snapshot " + snapshotId + ": " + String.join("; ", verified.problems()));
        }
        Files.createDirectories(directory);
        long done = 0;
        for (FileEntry file : manifest.files()) {
            Path target = directory.resolve(file.name());
            Files.copy(root.resolve(snapshotId).resolve(file.name()), target, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target, permissions(file.mode()));
            done += file.size();
            progress.update(done, manifest.imageBytes());
        }
    }

    @Override
    public synchronized void delete(String snapshotId) {
        check();
        if (committed.remove(snapshotId) != null) {
            deleteTree(root.resolve(snapshotId));
        }
    }

    @Override
    public GcResult collectGarbage() {
        check();
        return new GcResult(0, 0);
    }

    private synchronized Manifest commit(String id, Map<String, String> labels, Path pending) throws IOException {
        if (committed.containsKey(id)) {
            throw new SnapshotException.AlreadyExists(id);
        }
        Path dir = root.resolve(id);
        Files.move(pending, dir, StandardCopyOption.ATOMIC_MOVE);
        List<FileEntry> files = new ArrayList<>();
        long bytes = 0;
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path file : entries.sorted().toList()) {
                long size = Files.size(file);
                bytes += size;
                files.add(new FileEntry(file.getFileName().toString(), size, mode(file), List.of(sha256(file))));
            }
        }
        Manifest manifest = new Manifest(id, clock.incrementAndGet(), labels, files, bytes, bytes);
        committed.put(id, manifest);
        return manifest;
    }

    private final class Writer implements SnapshotWriter {
        private final String id;
        private final Map<String, String> labels;
        private final Path pending;
        private boolean done;

        Writer(String id, Map<String, String> labels, Path pending) {
            this.id = id;
            this.labels = labels;
            this.pending = pending;
        }

        @Override
        public void addFile(String name, int mode, InputStream in) throws IOException {
            if (name.contains("/")) {
                throw new IllegalArgumentException("not a plain file name: " + name);
            }
            Path target = pending.resolve(name);
            Files.copy(in, target);
            Files.setPosixFilePermissions(target, permissions(mode));
        }

        @Override
        public void addDirectory(Path directory, Progress progress) throws IOException {
            List<Path> files;
            try (Stream<Path> entries = Files.list(directory)) {
                files = entries.filter(Files::isRegularFile).sorted().toList();
            }
            long total = 0;
            for (Path file : files) {
                total += Files.size(file);
            }
            long copied = 0;
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file)) {
                    addFile(file.getFileName().toString(), mode(file), in);
                }
                copied += Files.size(file);
                progress.update(copied, total);
            }
        }

        @Override
        public Manifest commit() throws IOException {
            check();
            Manifest manifest = FakeSnapshotStore.this.commit(id, labels, pending);
            done = true;
            return manifest;
        }

        @Override
        public void abort() {
            if (!done) {
                done = true;
                deleteTree(pending);
            }
        }

        @Override
        public void close() {
            abort();
        }
    }

    private void check() {
        RuntimeException failure = broken;
        if (failure != null) {
            throw failure;
        }
    }

    private static int mode(Path file) throws IOException {
        int mode = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(file)) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }
}
