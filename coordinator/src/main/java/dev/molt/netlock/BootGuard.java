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
 * <p>Marker keys (one KEY=value a line): RESTORER, UPGRADE, LOCK_TABLE, LAST_PID, WINDOW_SCALING;
 * beside it MARKER.nft holds the lock's own rules (the parked connections and listening ports).
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

    /**
     * Writes the marker (synced: the switch follows at once) for the next boot to guard {@code table}
     * and the pids; window scaling off when any of the established {@code sockets} did not negotiate it.
     */
    public void arm(String upgradeId, String table, Collection<Long> pids, List<TcpSocket> sockets) throws IOException {
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
                + ", window scaling " + (scaling ? "as negotiated" : "off") + ")");
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
        Files.deleteIfExists(marker.resolveSibling(marker.getFileName() + ".nft"));
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
