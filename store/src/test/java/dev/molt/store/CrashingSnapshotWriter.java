package dev.molt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.molt.snapshot.SnapshotWriter;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The child process of {@link CrashSafetyTest}: writes a snapshot, reports how far it got on
 * stdout, and then waits to be killed. Arguments: store directory, {@code before-commit} or
 * {@code after-commit}, seed, MiB per file.
 *
 * <p>{@code before-commit}: writes file one, flushes its chunks to disk, prints {@code
 * CHUNKS-DURABLE}, then keeps writing file two (printing {@code WROTE n} per MiB) so that the
 * kill lands in the middle of chunk writes. {@code after-commit}: writes file one, commits,
 * prints {@code COMMITTED}.
 */
public final class CrashingSnapshotWriter {

    private CrashingSnapshotWriter() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean commit = args[1].equals("after-commit");
        long seed = Long.parseLong(args[2]);
        int mib = Integer.parseInt(args[3]);
        MoltStore store = MoltStore.open(dir);
        store.journal().append("upgrade-1", "persist".getBytes(UTF_8));
        SnapshotWriter writer = store.snapshots().begin("crash-1", Map.of("seed", args[2]));
        writer.addFile("pages-1.img", 0600,
                new ByteArrayInputStream(TestImages.bytes(seed, mib * TestImages.MIB, 0.0)));
        if (commit) {
            writer.commit();
            System.out.println("COMMITTED");
        } else {
            store.flush(Family.CHUNKS);
            System.out.println("CHUNKS-DURABLE");
            for (int i = 0; i < 100_000; i++) {
                writer.addFile("more-" + i + ".img", 0600, new ByteArrayInputStream(
                        TestImages.bytes(seed + 1 + i, TestImages.MIB, 0.0)));
                System.out.println("WROTE " + (i + 1));
            }
        }
        System.out.flush();
        new CountDownLatch(1).await(); // the test kills us here
    }
}
