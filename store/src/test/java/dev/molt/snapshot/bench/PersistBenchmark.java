package dev.molt.snapshot.bench;

import dev.molt.snapshot.SnapshotStore;
import dev.molt.snapshot.SnapshotWriter;
import dev.molt.store.MoltStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Throughput of persisting CRIU-like images into the store, against writing the same bytes to
 * plain files, in one run on one disk. Not a test: run it by hand.
 *
 * <pre>
 * ./mvnw -q -pl store -am install -DskipTests
 * ./mvnw -q -pl store test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *     -Dexec.args="--enable-native-access=ALL-UNNAMED -cp %classpath dev.molt.snapshot.bench.PersistBenchmark"
 * </pre>
 *
 * Arguments (optional, in that order): MiB of images (256), measured repetitions (5), warm-up
 * repetitions (1), work directory (a new one under java.io.tmpdir). Each repetition measures,
 * interleaved so that drift of the machine hits all three alike:
 *
 * <ol>
 *   <li>persist: {@code begin}, {@code addDirectory}, {@code commit} into a fresh store (opening
 *       the store not counted; commit's flush and synced manifest counted);
 *   <li>plain: the same files copied with a FileChannel into a directory, each file fsynced, and
 *       the directory fsynced;
 *   <li>export: {@code export} (read, SHA-256 check, write; no fsync) into a new directory.
 * </ol>
 *
 * The images are files of runs of 1 to 64 pages, each run random or zero (40% of runs zero), as
 * a dump of a heap-heavy process looks. The source files are read from the page cache in both
 * (1) and (2). Prints medians in MiB/s and the ratio persist / plain.
 */
public final class PersistBenchmark {

    private static final int MIB = 1 << 20;
    private static final int PAGE = 4096;
    private static final double ZERO_RUN_SHARE = 0.4;

    private PersistBenchmark() {}

    public static void main(String[] args) throws IOException {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Path work = args.length > 3
                ? Files.createDirectories(Path.of(args[3]))
                : Files.createTempDirectory("molt-persist-bench");
        PrintStream out = System.out;
        try {
            Path images = Files.createDirectory(work.resolve("images"));
            long bytes = writeImages(images, mib);
            out.printf("images: %d files, %.1f MiB in %s%n", count(images), bytes / (double) MIB, images);
            var persist = new ArrayList<Double>();
            var plain = new ArrayList<Double>();
            var export = new ArrayList<Double>();
            long stored = 0;
            for (int rep = 0; rep < warmup + reps; rep++) {
                boolean measured = rep >= warmup;
                Path store = work.resolve("store-" + rep);
                Path copy = work.resolve("plain-" + rep);
                Path exported = work.resolve("export-" + rep);
                try (MoltStore molt = MoltStore.open(store)) {
                    double a = rate(bytes, () -> persist(molt, images));
                    double b = rate(bytes, () -> copyAndSync(images, copy));
                    double c = rate(bytes, () -> molt.snapshots().export("bench", exported,
                            SnapshotStore.Progress.NONE));
                    stored = molt.usedBytes();
                    out.printf("%s %d: persist %7.1f  plain %7.1f  export %7.1f MiB/s%n",
                            measured ? "run   " : "warmup", rep, a, b, c);
                    if (measured) {
                        persist.add(a);
                        plain.add(b);
                        export.add(c);
                    }
                }
                deleteTree(store);
                deleteTree(copy);
                deleteTree(exported);
            }
            double a = median(persist);
            double b = median(plain);
            out.printf("%nmedian of %d runs, %d MiB of images (%.0f%% zero runs), store size %.1f MiB%n",
                    reps, mib, ZERO_RUN_SHARE * 100, stored / (double) MIB);
            out.printf("(a) persist into the store (commit included): %8.1f MiB/s%n", a);
            out.printf("(b) plain FileChannel write + fsync:          %8.1f MiB/s%n", b);
            out.printf("(c) export (verify + write):                  %8.1f MiB/s%n", median(export));
            out.printf("ratio (a)/(b): %.2f%n", a / b);
        } finally {
            deleteTree(work);
        }
    }

    private static void persist(MoltStore molt, Path images) throws IOException {
        try (SnapshotWriter writer = molt.snapshots().begin("bench", Map.of())) {
            writer.addDirectory(images, SnapshotStore.Progress.NONE);
            writer.commit();
        }
    }

    private static void copyAndSync(Path images, Path target) throws IOException {
        Files.createDirectory(target);
        ByteBuffer buffer = ByteBuffer.allocateDirect(MIB);
        for (Path source : list(images)) {
            try (var in = FileChannel.open(source, StandardOpenOption.READ);
                    var out = FileChannel.open(target.resolve(source.getFileName()),
                            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (in.read(buffer.clear()) > 0) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                }
                out.force(true);
            }
        }
        try (var dir = FileChannel.open(target, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** A CRIU-like image directory: two large page files and many small ones. */
    private static long writeImages(Path dir, int mib) throws IOException {
        var random = new SplittableRandom(42);
        long total = 0;
        total += writeImage(dir.resolve("pages-1.img"), (long) mib * MIB * 85 / 100, random);
        total += writeImage(dir.resolve("pages-2.img"), (long) mib * MIB * 14 / 100, random);
        long rest = (long) mib * MIB - total;
        for (int i = 0; rest > 0; i++) {
            long size = Math.min(rest, (1 + random.nextInt(64)) * 1024L);
            total += writeImage(dir.resolve("core-" + i + ".img"), size, random);
            rest -= size;
        }
        return total;
    }

    private static long writeImage(Path file, long size, SplittableRandom random) throws IOException {
        ByteBuffer run = ByteBuffer.allocate(64 * PAGE);
        try (var out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                int length = (int) Math.min(left, (1 + random.nextInt(64)) * PAGE);
                run.clear().limit(length);
                if (random.nextDouble() >= ZERO_RUN_SHARE) {
                    while (run.remaining() >= Long.BYTES) {
                        run.putLong(random.nextLong());
                    }
                    while (run.hasRemaining()) {
                        run.put((byte) random.nextInt());
                    }
                } else {
                    run.put(new byte[length]);
                }
                run.flip();
                while (run.hasRemaining()) {
                    out.write(run);
                }
                left -= length;
            }
        }
        return size;
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    private static double rate(long bytes, Step step) throws IOException {
        long start = System.nanoTime();
        step.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        return bytes / (double) MIB / seconds;
    }

    private static double median(List<Double> values) {
        var sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static long count(Path dir) throws IOException {
        return list(dir).size();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
