package dev.molt.netlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restore marker a kexec leaves for the next boot, and how `ss -tin` tells window scaling. */
class BootGuardTest {
    @TempDir
    Path dir;

    private static TcpSocket established(String local, int lport, String remote, int rport) throws Exception {
        return new TcpSocket(1, InetAddress.getByName(local), lport, InetAddress.getByName(remote), rport,
                TcpSocket.State.ESTABLISHED);
    }

    private static final String SS = """
            0      0      10.0.2.15:7200 10.0.2.2:40312
            \t cubic rto:204 rtt:0.5/0.25 mss:1460 rcvmss:536 advmss:1460 cwnd:10 bytes_sent:120
            0      0      127.0.0.1:7200 127.0.0.1:51234
            \t cubic wscale:7,7 rto:204 rtt:0.1/0.05 mss:32768
            """;

    @Test
    void aPeerBehindQemusUserNetworkNeverNegotiatedWindowScaling() throws Exception {
        assertThat(BootGuard.windowScalingNegotiated(List.of(established("10.0.2.15", 7200, "10.0.2.2", 40312)), SS)).isFalse();
    }

    @Test
    void aLoopbackPeerNegotiatedIt() throws Exception {
        assertThat(BootGuard.windowScalingNegotiated(List.of(established("127.0.0.1", 7200, "127.0.0.1", 51234)), SS)).isTrue();
    }

    @Test
    void theMarkerNamesTheLockTheLastPidAndWindowScalingAndDisarmingRetiresIt() throws Exception {
        Path restorer = Files.createFile(dir.resolve("molt-boot-guard"));
        BootGuard guard = new BootGuard(dir.resolve("restore/pending"), restorer);

        guard.arm("u-1", "molt-u-1", List.of(5001L, 5007L), List.of());

        List<String> lines = Files.readAllLines(guard.marker());
        assertThat(lines).contains("RESTORER=" + restorer, "UPGRADE=u-1", "LOCK_TABLE=molt-u-1", "LAST_PID=5007",
                "WINDOW_SCALING=");
        assertThat(dir.resolve("restore/pending.nft")).isEmptyFile();

        guard.disarm("molt-other");
        assertThat(guard.marker()).as("another upgrade's unlock leaves it").exists();
        guard.disarm("molt-u-1");
        assertThat(guard.marker()).doesNotExist();
        assertThat(dir.resolve("restore/done-molt-u-1")).exists();
    }

    @Test
    void aSwitchBackKeepsTheMarkerOfTheFirstSwitch() throws Exception {
        BootGuard guard = new BootGuard(dir.resolve("pending"), Files.createFile(dir.resolve("g")));
        guard.arm("u-1", "molt-u-1", List.of(5001L), List.of());
        Files.writeString(guard.marker(), Files.readString(guard.marker()).replace("WINDOW_SCALING=", "WINDOW_SCALING=0"));

        guard.arm("u-1", "molt-u-1", List.of(), List.of());

        assertThat(Files.readAllLines(guard.marker())).contains("WINDOW_SCALING=0", "LAST_PID=5001");
    }

    @Test
    void aSwitchBackReplansTheBootRestoreWithTheOldKernelsCriuAndItsNewPidFile() throws Exception {
        BootGuard guard = new BootGuard(dir.resolve("pending"), Files.createFile(dir.resolve("g")));
        guard.arm("u-1", "molt-u-1", List.of(5001L), List.of(), List.of(new BootGuard.BootRestore("u-1-0",
                List.of("/var/lib/molt/criu/4.2.1/criu", "restore", "--pidfile", "/s/boot-restore-1/work/restored.pid"),
                "/s/spool/u-1-0", "/s/spool/u-1-0/SHA256SUMS", "/s/boot-restore-1/work/restored.pid",
                "/s/boot-restore-1/work/restore.log", "/cg/w", true)));
        assertThat(Files.readAllLines(guard.marker())).contains("SEED_WAIT=1");

        guard.arm("u-1", "molt-u-1", List.of(), List.of(), List.of(new BootGuard.BootRestore("u-1-0",
                List.of("/usr/sbin/criu", "restore", "--pidfile", "/s/boot-restore-2/work/restored.pid"),
                "/s/spool/u-1-0", "/s/spool/u-1-0/SHA256SUMS", "/s/boot-restore-2/work/restored.pid",
                "/s/boot-restore-2/work/restore.log", "/cg/w", false)));

        List<String> marker = Files.readAllLines(guard.marker());
        assertThat(marker).contains("LOCK_TABLE=molt-u-1", "LAST_PID=5001", "WORKLOADS=1", "SEED_WAIT=",
                "W0_PIDFILE=/s/boot-restore-2/work/restored.pid", "W0_LOG=/s/boot-restore-2/work/restore.log");
        assertThat(marker).doesNotContain("SEED_WAIT=1", "W0_PIDFILE=/s/boot-restore-1/work/restored.pid");
        assertThat(marker.stream().filter(l -> l.startsWith("W0_ARGV="))).hasSize(1);
        String argvFile = marker.stream().filter(l -> l.startsWith("W0_ARGV=")).findFirst().orElseThrow().substring(8);
        assertThat(Files.readAllLines(Path.of(argvFile))).startsWith("/usr/sbin/criu", "restore");
    }
}
