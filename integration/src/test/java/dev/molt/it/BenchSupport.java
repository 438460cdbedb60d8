package dev.molt.it;

import com.google.protobuf.util.JsonFormat;
import dev.molt.api.v1.StopReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The benchmarks' access to the test harness (workload, daemon, CLI), which is package-private. */
public final class BenchSupport implements AutoCloseable {
    private final TestWorkload workload;
    private final Molt molt;

    private BenchSupport(TestWorkload workload, Molt molt) {
        this.workload = workload;
        this.molt = molt;
    }

    public static BenchSupport start(Path dir, int mib) throws Exception {
        TestWorkload w = TestWorkload.start(dir, mib);
        w.connect();
        Molt m = new Molt(dir).startDaemon();
        return new BenchSupport(w, m);
    }

    public record Plain(double dumpSeconds, double restoreSeconds, double imageMiB) {}

    /** `criu dump` of the tree to a directory (CRIU ends it), then `criu restore -d`. */
    public Plain plainCriuRound(Path images) throws Exception {
        Files.createDirectories(images);
        String criu = Tools.criu().toString();
        long root = currentRoot();
        long t0 = System.nanoTime();
        Tools.run(List.of(criu, "dump", "-t", Long.toString(root), "-D", images.toString(), "--tcp-established",
                "--network-lock", "nftables", "-o", "dump.log"));
        long t1 = System.nanoTime();
        Tools.run(List.of(criu, "restore", "-D", images.toString(), "-d", "--tcp-established",
                "--network-lock", "nftables", "-o", "restore.log"));
        long t2 = System.nanoTime();
        workload.ask("after plain");
        long bytes;
        try (Stream<Path> files = Files.list(images)) {
            bytes = files.filter(p -> p.toString().endsWith(".img")).mapToLong(p -> p.toFile().length()).sum();
        }
        deleteTree(images);
        return new Plain((t1 - t0) / 1e9, (t2 - t1) / 1e9, bytes / 1048576.0);
    }

    public record MoltRound(StopReport report) {
        public double phaseSeconds(String name) {
            return report.getPhasesList().stream().filter(p -> p.getName().equals(name))
                    .mapToLong(StopReport.Phase::getMillis).sum() / 1000.0;
        }

        public double totalStopSeconds() {
            return report.getTotalStopMillis() / 1000.0;
        }

        public double storedMiB() {
            return report.getStoredBytes() / 1048576.0;
        }

        public String phases() {
            Map<String, Long> m = report.getPhasesList().stream()
                    .collect(Collectors.toMap(StopReport.Phase::getName, StopReport.Phase::getMillis, (a, b) -> a, java.util.LinkedHashMap::new));
            return m.toString();
        }
    }

    /** `molt upgrade --switch restart` of the workload; the stop report from its JSON output. */
    public MoltRound moltRound() throws Exception {
        Molt.Result r = molt.cli("--output", "json", "upgrade", "--workload", "pid:" + currentRoot(), "--switch", "restart", "--tcp");
        if (r.exit() != 0) {
            throw new IllegalStateException("molt upgrade failed: " + r + "\n" + molt.log());
        }
        // JSON Lines of the upgrade's events; the last holds the final upgrade.
        List<String> lines = r.out().lines().toList();
        dev.molt.api.v1.UpgradeEvent.Builder last = dev.molt.api.v1.UpgradeEvent.newBuilder();
        JsonFormat.parser().ignoringUnknownFields().merge(lines.getLast(), last);
        workload.ask("after molt");
        return new MoltRound(last.getUpgrade().getStopReport());
    }

    /** The tree's root now: its outer pid changes at each restore (a new pid namespace). */
    private long currentRoot() throws IOException {
        for (long pid : workload.pids()) {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] f = line.trim().split("\\s+");
                    if (f[f.length - 1].equals("1")) {
                        return pid;
                    }
                }
            }
        }
        throw new IllegalStateException("the workload's namespace init is gone");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Override
    public void close() throws Exception {
        molt.close();
        workload.close();
    }
}
