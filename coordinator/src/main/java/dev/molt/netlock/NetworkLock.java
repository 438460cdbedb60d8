package dev.molt.netlock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keeps parked workloads' TCP peers quiet: an nftables table that drops every packet of the
 * workloads' established connections, both ways, and new connections to their listening ports.
 *
 * <p>Why Molt locks the network itself instead of CRIU's own lock: Molt dumps with the tree left
 * running (frozen), so that anything failing before the switch leaves the old tree untouched; CRIU
 * lifts its lock at the end of such a dump, and the kernel would then go on acknowledging peers'
 * data that the snapshot does not hold. This lock stays from parking until after restore (or
 * abort). Dropped packets are retransmitted by the peers: they see a pause, never a reset.
 */
public final class NetworkLock {
    private final String nft;
    private final java.util.Optional<BootGuard> bootGuard;

    public NetworkLock(String nftBinary, java.util.Optional<BootGuard> bootGuard) {
        this.nft = nftBinary;
        this.bootGuard = bootGuard;
    }

    public NetworkLock(String nftBinary) {
        this(nftBinary, java.util.Optional.empty());
    }

    public NetworkLock() {
        this("nft");
    }

    /**
     * Before a kexec: the lock (and the parked pids) must hold in the next kernel before its network
     * comes up, which only the boot itself can do (see {@link BootGuard}). Without a guard (a checkout
     * that never kexecs) this says so and returns.
     */
    public void guardNextBoot(String upgradeId, String table, java.util.Collection<Long> pids) throws IOException {
        guardNextBoot(upgradeId, table, pids, List.of());
    }

    /** As {@link #guardNextBoot(String, String, java.util.Collection)}, and the boot restores {@code restores}. */
    public void guardNextBoot(String upgradeId, String table, java.util.Collection<Long> pids,
            List<BootGuard.BootRestore> restores) throws IOException {
        if (bootGuard.isEmpty()) {
            System.getLogger(NetworkLock.class.getName()).log(System.Logger.Level.WARNING,
                    "no boot guard (set MOLT_HOME or MOLT_BOOT_GUARD): the next kernel will not drop the peers' "
                            + "retransmissions before restore, so they may be reset");
            return;
        }
        bootGuard.get().arm(upgradeId, table, pids, TcpSockets.heldBy(pids), restores);
    }

    /** The boot guard of an installed Molt, if any. */
    public java.util.Optional<BootGuard> bootGuard() {
        return bootGuard;
    }

    /** Installs (replacing any of that name) a table locking the given sockets. No sockets: no table. */
    public void lock(String table, List<TcpSocket> sockets) throws IOException {
        if (sockets.isEmpty()) {
            return;
        }
        run(List.of(nft, "-f", "-"), script(table, sockets), false);
    }

    /** Removes the table; a table that is not there is fine (idempotent). */
    public void unlock(String table) throws IOException {
        if (table == null || table.isEmpty()) {
            return;
        }
        run(List.of(nft, "delete", "table", "inet", table), "", true);
        if (bootGuard.isPresent()) {
            bootGuard.get().disarm(table);
        }
    }

    static String script(String table, List<TcpSocket> sockets) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        for (TcpSocket s : sockets) {
            String ip = s.ipv6() ? "ip6" : "ip";
            String local = s.local().getHostAddress();
            switch (s.state()) {
                case ESTABLISHED -> {
                    String remote = s.remote().getHostAddress();
                    in.add("%s saddr %s tcp sport %d %s daddr %s tcp dport %d drop"
                            .formatted(ip, remote, s.remotePort(), ip, local, s.localPort()));
                    out.add("%s saddr %s tcp sport %d %s daddr %s tcp dport %d drop"
                            .formatted(ip, local, s.localPort(), ip, remote, s.remotePort()));
                }
                case LISTEN -> {
                    boolean any = s.local().isAnyLocalAddress();
                    in.add(any ? "meta nfproto %s tcp dport %d drop".formatted(s.ipv6() ? "ipv6" : "ipv4", s.localPort())
                            : "%s daddr %s tcp dport %d drop".formatted(ip, local, s.localPort()));
                }
                case OTHER -> {}
            }
        }
        StringBuilder b = new StringBuilder();
        // "add" then "delete" then the table: replaces an old table of that name atomically.
        b.append("add table inet ").append(table).append('\n');
        b.append("delete table inet ").append(table).append('\n');
        b.append("table inet ").append(table).append(" {\n");
        b.append("  chain input { type filter hook input priority -150; policy accept;\n");
        in.forEach(r -> b.append("    ").append(r).append('\n'));
        b.append("  }\n  chain output { type filter hook output priority -150; policy accept;\n");
        out.forEach(r -> b.append("    ").append(r).append('\n'));
        b.append("  }\n}\n");
        return b.toString();
    }

    private static void run(List<String> command, String stdin, boolean missingOk) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
        if (p.exitValue() != 0 && !(missingOk && output.contains("No such file"))) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output);
        }
    }
}
