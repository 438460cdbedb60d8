package dev.molt.netlock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Carries the network lock and the workloads' pids across a kexec. Molt's nftables lock dies with
 * the old kernel, and the new one brings its network up before moltd runs: peers' retransmissions
 * would meet no socket and get RST. So before the switch Molt leaves a restore marker that the
 * boot (/etc/molt/rc on the guest; an initramfs or unit hook on a server) acts on before the
 * network comes up: its RESTORER ({@code bin/molt-boot-guard}) installs a table of the lock's name
 * dropping all non-loopback TCP, moves kernel.ns_last_pid above the workloads' pids and sets
 * window scaling as the parked connections negotiated it. moltd's unlock after restore deletes
 * that table like the old lock, and {@link #disarm} retires the marker.
 *
 * <p>The restore itself happens there too when the snapshots are spooled (plain image files with
 * checksums): the hook's second call, right after the network is up, checks each snapshot's
 * checksums, runs CRIU's command line for it (planned by the criu-adapter before the switch), thaws
 * its cgroup, and once every workload runs, deletes the lock table. The workloads' stop then ends
 * before a JVM could have started; moltd, started after the hook, reads what the hook did
 * ({@link #bootRestoreResult}) and finishes the upgrade. A failed step leaves the lock and stops:
 * moltd restores what is left, or rolls back.
 *
 * <p>Marker keys (one KEY=value a line): RESTORER, UPGRADE, LOCK_TABLE, LAST_PID, WINDOW_SCALING,
 * and for a restore at boot RESULT, WORKLOADS=n and per workload i W{i}_SNAPSHOT, W{i}_ARGV (a file:
 * CRIU's argv, one argument a line), W{i}_IMAGES, W{i}_CHECKSUMS, W{i}_PIDFILE, W{i}_LOG, W{i}_CGROUP.
 * Beside it MARKER.nft holds the lock's own rules (the parked connections and listening ports).
 */
public final class BootGuard {
    private static final Logger LOG = Logger.getLogger(BootGuard.class.getName());
    public static final Path DEFAULT_MARKER = Path.of("/var/lib/molt/restore/pending");
    static final Path WINDOW_SCALING = Path.of("/proc/sys/net/ipv4/tcp_window_scaling");

    private final Path marker;
    private final Path restorer;

    public BootGuard(Path marker, Path restorer) {
        this.marker = marker;
        this.restorer = restorer;
    }

    /**
     * The guard of an installed Molt: the restorer is MOLT_BOOT_GUARD or MOLT_HOME/bin/molt-boot-guard,
     * the marker MOLT_RESTORE_MARKER or {@link #DEFAULT_MARKER}. Empty when there is no restorer (a
     * development checkout that never kexecs).
     */
    public static Optional<BootGuard> fromEnvironment(Map<String, String> env) {
        String explicit = env.get("MOLT_BOOT_GUARD");
        Path restorer = explicit != null ? Path.of(explicit)
                : env.containsKey("MOLT_HOME") ? Path.of(env.get("MOLT_HOME"), "bin", "molt-boot-guard") : null;
        if (restorer == null || !Files.isExecutable(restorer)) {
            return Optional.empty();
        }
        Path marker = Path.of(env.getOrDefault("MOLT_RESTORE_MARKER", DEFAULT_MARKER.toString()));
        return Optional.of(new BootGuard(marker, restorer));
    }

    public Path marker() {
        return marker;
    }

    /** Where the boot hook writes what its restore did. */
    public Path resultFile() {
        return marker.resolveSibling("result");
    }

    /**
     * One workload for the boot hook to restore: CRIU's command line and the files it needs, all on
     * the persistent disk.
     */
    public record BootRestore(String snapshotId, List<String> argv, String imagesDir, String checksums,
            String pidfile, String log, String cgroupDir) {}

    /** What the boot hook's restore did in this boot, per workload in marker order. */
    public record BootRestoreResult(String bootId, String upgradeId, List<Workload> workloads, Map<String, Long> millis) {

        /** ok: restored and running as pid; otherwise status "failed" or "skipped" with a detail. */
        public record Workload(String status, long pid, String detail) {
            public boolean ok() {
                return "ok".equals(status) && pid > 0;
            }
        }

        public boolean allOk() {
            return !workloads.isEmpty() && workloads.stream().allMatch(Workload::ok);
        }
    }

    /**
     * Writes the marker (synced: the switch follows at once) for the next boot to guard {@code table}
     * and the pids; window scaling off when any of the established {@code sockets} did not negotiate it.
     */
    public void arm(String upgradeId, String table, Collection<Long> pids, List<TcpSocket> sockets) throws IOException {
        arm(upgradeId, table, pids, sockets, List.of());
    }

    /** As {@link #arm(String, String, Collection, List)}, and the boot hook restores {@code restores}. */
    public void arm(String upgradeId, String table, Collection<Long> pids, List<TcpSocket> sockets,
            List<BootRestore> restores) throws IOException {
        if (Files.exists(marker) && Files.readAllLines(marker, StandardCharsets.UTF_8).contains("LOCK_TABLE=" + table)) {
            // A switch back after a failed restore: the parked sockets exist only in the snapshot
            // now, and the marker written before the first switch still describes them.
            LOG.info("boot guard already armed for " + table + ": kept for the switch back");
            return;
        }
        long last = pids.stream().mapToLong(Long::longValue).max().orElse(0);
        boolean scaling = windowScalingNegotiated(sockets);
        String text = "# Written by moltd before a kexec: the boot runs RESTORER guard|restore with this file.\n"
                + "RESTORER=" + restorer + "\n"
                + "UPGRADE=" + upgradeId + "\n"
                + "LOCK_TABLE=" + table + "\n"
                + "LAST_PID=" + (last > 0 ? last : "") + "\n"
                + "WINDOW_SCALING=" + (scaling ? "" : "0") + "\n";
        Files.createDirectories(marker.getParent());
        Files.deleteIfExists(resultFile());
        if (!restores.isEmpty()) {
            StringBuilder more = new StringBuilder("RESULT=" + resultFile() + "\n" + "WORKLOADS=" + restores.size() + "\n");
            for (int i = 0; i < restores.size(); i++) {
                BootRestore r = restores.get(i);
                for (String arg : r.argv()) {
                    if (arg.contains("\n")) {
                        throw new IOException("a CRIU argument holds a newline, which the boot hook cannot read: " + arg);
                    }
                }
                Path argv = marker.resolveSibling(marker.getFileName() + ".w" + i + ".argv");
                writeSynced(argv, String.join("\n", r.argv()) + "\n");
                more.append("W").append(i).append("_SNAPSHOT=").append(r.snapshotId()).append('\n')
                        .append("W").append(i).append("_ARGV=").append(argv).append('\n')
                        .append("W").append(i).append("_IMAGES=").append(r.imagesDir()).append('\n')
                        .append("W").append(i).append("_CHECKSUMS=").append(r.checksums()).append('\n')
                        .append("W").append(i).append("_PIDFILE=").append(r.pidfile()).append('\n')
                        .append("W").append(i).append("_LOG=").append(r.log()).append('\n')
                        .append("W").append(i).append("_CGROUP=").append(r.cgroupDir()).append('\n');
            }
            text = text + more;
        }
        // The same rules as the lock in the old kernel (only the workloads' connections and listening
        // ports), so that everything else, the operator's API among it, is reachable during restore.
        // Without them (no sockets) the hook drops all non-loopback TCP.
        writeSynced(marker.resolveSibling(marker.getFileName() + ".nft"),
                sockets.isEmpty() ? "" : NetworkLock.script(table, sockets));
        Path tmp = marker.resolveSibling(marker.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceDirectory(marker.getParent());
        LOG.info("boot guard armed: " + marker + " (table " + table + ", last pid " + last
                + ", window scaling " + (scaling ? "as negotiated" : "off") + ", "
                + (restores.isEmpty() ? "moltd restores" : restores.size() + " workload(s) restored at boot") + ")");
    }

    /**
     * After restore and unlock: window scaling back on if the guard turned it off (restored sockets
     * keep what they were repaired with; new connections should scale), the marker renamed so that
     * no later boot guards again. Nothing to do when there is no marker for {@code table}.
     */
    public void disarm(String table) throws IOException {
        if (!Files.exists(marker)) {
            return;
        }
        List<String> lines = Files.readAllLines(marker, StandardCharsets.UTF_8);
        if (!lines.contains("LOCK_TABLE=" + table)) {
            return;
        }
        if (lines.contains("WINDOW_SCALING=0") && Files.isWritable(WINDOW_SCALING)) {
            Files.writeString(WINDOW_SCALING, "1\n");
        }
        Files.move(marker, marker.resolveSibling("done-" + table), StandardCopyOption.REPLACE_EXISTING);
        if (Files.exists(resultFile())) {
            Files.move(resultFile(), marker.resolveSibling("done-" + table + ".result"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.deleteIfExists(marker.resolveSibling(marker.getFileName() + ".nft"));
    }

    /**
     * What the boot hook's restore did, if it ran in boot {@code bootId} for {@code upgradeId}: a
     * result left by an earlier boot (say, before a switch back) is not this boot's.
     */
    public Optional<BootRestoreResult> bootRestoreResult(String upgradeId, String bootId) throws IOException {
        Path file = resultFile();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Map<String, String> kv = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                kv.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (!bootId.equals(kv.get("BOOT_ID")) || !upgradeId.equals(kv.get("UPGRADE"))) {
            return Optional.empty();
        }
        int n = Integer.parseInt(kv.getOrDefault("WORKLOADS", "0"));
        List<BootRestoreResult.Workload> workloads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String pid = kv.getOrDefault("W" + i + "_PID", "");
            workloads.add(new BootRestoreResult.Workload(kv.getOrDefault("W" + i + "_STATUS", "skipped"),
                    pid.matches("[0-9]+") ? Long.parseLong(pid) : 0, kv.getOrDefault("W" + i + "_DETAIL", "")));
        }
        Map<String, Long> millis = new java.util.LinkedHashMap<>();
        kv.forEach((k, v) -> {
            if (k.endsWith("_MS") && v.matches("[0-9]+")) {
                millis.put(k, Long.parseLong(v));
            }
        });
        return Optional.of(new BootRestoreResult(kv.get("BOOT_ID"), kv.get("UPGRADE"), workloads, millis));
    }

    private static void writeSynced(Path file, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
    }

    /** The rename must reach the disk before the kexec too. */
    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Whether every established socket negotiated window scaling, from `ss -tin` (tcp_info options). */
    static boolean windowScalingNegotiated(List<TcpSocket> sockets) {
        List<TcpSocket> established = sockets.stream().filter(s -> s.state() == TcpSocket.State.ESTABLISHED).toList();
        if (established.isEmpty()) {
            return true;
        }
        String ss;
        try {
            Process p = new ProcessBuilder("ss", "-Htin", "state", "established").redirectErrorStream(true).start();
            ss = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.warning("cannot run ss to read the connections' window scaling (" + e.getMessage() + "); assuming none");
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return windowScalingNegotiated(established, ss);
    }

    /** {@code ss -Htin} prints each socket's line, then an indented line of tcp_info; "wscale:" only when negotiated. */
    static boolean windowScalingNegotiated(List<TcpSocket> established, String ssOutput) {
        List<String[]> entries = new ArrayList<>();
        String[] current = null;
        for (String line : ssOutput.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                current = new String[] {line, ""};
                entries.add(current);
            } else if (current != null) {
                current[1] += line;
            }
        }
        for (TcpSocket s : established) {
            String local = s.local().getHostAddress() + ":" + s.localPort();
            String remote = s.remote().getHostAddress() + ":" + s.remotePort();
            for (String[] e : entries) {
                if (e[0].contains(local) && e[0].contains(remote) && !e[1].contains("wscale:")) {
                    return false;
                }
            }
        }
        return true;
    }
}
