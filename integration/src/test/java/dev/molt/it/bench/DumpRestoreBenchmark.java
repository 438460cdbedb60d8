package dev.molt.it.bench;

import dev.molt.it.BenchSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Molt's checkpoint and restore of a 256 MiB process against the hand-scripted baseline, side by
 * side in one run on the same workload: plain `criu dump` to a directory then `criu restore`,
 * against `molt upgrade --switch restart` (park, dump into the RocksDB store, verify, end the
 * tree, restart the daemon, restore, unpark), whose stop report splits its time by phase.
 *
 * <p>Run: {@code integration/bench/run.sh} (or {@code make bench}). Prints medians of N rounds
 * (MOLT_BENCH_ROUNDS, default 3). Not a test: it asserts nothing, it measures.
 */
public final class DumpRestoreBenchmark {

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(System.getenv().getOrDefault("MOLT_BENCH_ROUNDS", "3"));
        int mib = Integer.parseInt(System.getenv().getOrDefault("MOLT_BENCH_MIB", "256"));
        Path dir = Files.createTempDirectory("molt-bench");
        List<Double> plainDump = new ArrayList<>();
        List<Double> plainRestore = new ArrayList<>();
        List<Double> plainImages = new ArrayList<>();
        List<Double> moltDump = new ArrayList<>();
        List<Double> moltPersist = new ArrayList<>();
        List<Double> moltExport = new ArrayList<>();
        List<Double> moltRestore = new ArrayList<>();
        List<Double> moltStop = new ArrayList<>();
        List<Double> moltStored = new ArrayList<>();
        try (BenchSupport bench = BenchSupport.start(dir, mib)) {
            for (int i = 0; i < rounds; i++) {
                BenchSupport.Plain plain = bench.plainCriuRound(dir.resolve("plain-" + i));
                plainDump.add(plain.dumpSeconds());
                plainRestore.add(plain.restoreSeconds());
                plainImages.add(plain.imageMiB());
                BenchSupport.MoltRound molt = bench.moltRound();
                moltDump.add(molt.phaseSeconds("dump"));
                moltPersist.add(molt.phaseSeconds("persist") + molt.phaseSeconds("pre-switch"));
                moltExport.add(molt.phaseSeconds("check-images"));
                moltRestore.add(molt.phaseSeconds("restore"));
                moltStop.add(molt.totalStopSeconds());
                moltStored.add(molt.storedMiB());
                System.out.printf(Locale.ROOT, "round %d: plain dump %.2f s restore %.2f s | molt stop %.2f s %s%n",
                        i + 1, plain.dumpSeconds(), plain.restoreSeconds(), molt.totalStopSeconds(), molt.phases());
            }
        }
        double plainTotal = median(plainDump) + median(plainRestore);
        double moltCore = median(moltDump) + median(moltPersist) + median(moltExport) + median(moltRestore);
        System.out.printf(Locale.ROOT, "%n== dump + restore of a %d MiB process, medians of %d rounds ==%n", mib, rounds);
        System.out.printf(Locale.ROOT, "%-44s %8s%n", "", "seconds");
        System.out.printf(Locale.ROOT, "%-44s %8.3f%n", "plain criu dump (to a directory)", median(plainDump));
        System.out.printf(Locale.ROOT, "%-44s %8.3f%n", "plain criu restore", median(plainRestore));
        System.out.printf(Locale.ROOT, "%-44s %8.3f%n", "plain dump + restore", plainTotal);
        System.out.printf(Locale.ROOT, "%-44s %8.3f%n", "molt dump (CRIU, tree left frozen)", median(moltDump));
        System.out.printf(Locale.ROOT, "%-44s %8.3f%n", "molt persist into RocksDB + verify", median(moltPersist));
        System.out.printf(Locale.ROOT, "%-44s %8.3f%n", "molt export from RocksDB (verify + write)", median(moltExport));
        System.out.printf(Locale.ROOT, "%-44s %8.3f%n", "molt restore (CRIU)", median(moltRestore));
        System.out.printf(Locale.ROOT, "%-44s %8.3f   ratio to plain: %.2fx%n", "molt dump + persist + export + restore", moltCore, moltCore / plainTotal);
        System.out.printf(Locale.ROOT, "%-44s %8.3f   ratio to plain: %.2fx%n", "molt whole stop (park .. unpark, restart)", median(moltStop), median(moltStop) / plainTotal);
        System.out.printf(Locale.ROOT, "images: plain %.1f MiB, molt stored %.1f MiB%n", median(plainImages), median(moltStored));
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
