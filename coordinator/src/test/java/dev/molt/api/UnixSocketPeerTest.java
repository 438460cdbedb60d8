package dev.molt.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.AuditEntry;
import dev.molt.api.v1.AuditGrpc;
import dev.molt.api.v1.ListAuditEntriesRequest;
import dev.molt.cli.ExitCodes;
import dev.molt.daemon.DaemonConfig;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Unix socket's callers, told apart by the kernel (SO_PEERCRED): the real {@code molt} CLI
 * run as other real uids (setpriv) against a real moltd. The socket is world-writable here (mode
 * 0666) so that the API's own check, not the file's mode, is what refuses. The operator group
 * ({@code molt}) does not exist on the test machine, so only root operates; the viewer group is
 * {@code nogroup}.
 */
@Timeout(300)
class UnixSocketPeerTest {
    static final int NOBODY = 65534;
    /** A uid and gid no passwd or group entry names. */
    static final int STRANGER = 65533;

    static Path dir;
    static Path lib;
    static TestDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        // Where another uid can reach: the socket and a copy of the CLI's class path (the build's
        // jars live under /root, which other uids cannot read).
        dir = Files.createTempDirectory("molt-peer-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        lib = Files.createDirectories(dir.resolve("lib"));
        copyClassPath();
        Path work = Files.createDirectories(dir.resolve("work"));
        DaemonConfig config = new DaemonConfig(work.resolve("store"), work.resolve("staging"), DaemonConfig.defaultCriu(),
                dir.resolve("molt.sock"), 0666, "molt", "nogroup", null, null, false);
        daemon = TestDaemon.start(config);
    }

    @AfterAll
    static void stop() throws IOException {
        if (daemon != null) {
            daemon.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void aUserOutsideEveryGroupIsRefusedEvenReadsNamingItsUid() throws Exception {
        Cli run = molt(STRANGER, "upgrades", "list");

        assertThat(run.exit()).as(run.toString()).isEqualTo(ExitCodes.DENIED);
        assertThat(run.err()).as(run.toString()).contains("uid 65533").contains("neither root nor a member of the group 'molt'");
    }

    @Test
    void aViewerGroupMemberReadsButIsRefusedEveryChange() throws Exception {
        Cli list = molt(NOBODY, "upgrades", "list");
        assertThat(list.exit()).as(list.toString()).isEqualTo(ExitCodes.OK);

        Cli cancel = molt(NOBODY, "upgrades", "cancel", "u-nosuch");
        assertThat(cancel.exit()).as(cancel.toString()).isEqualTo(ExitCodes.DENIED);
        assertThat(cancel.err()).as(cancel.toString()).contains("uid:65534(nobody)").contains("needs the operator role");

        Cli snapshot = molt(NOBODY, "snapshot", "rm", "s-nosuch");
        assertThat(snapshot.exit()).as(snapshot.toString()).isEqualTo(ExitCodes.DENIED);

        assertThat(audit()).anySatisfy(e -> {
            assertThat(e.getPrincipal()).isEqualTo("uid:65534(nobody)");
            assertThat(e.getMethod()).isEqualTo("molt.v1.Upgrades/CancelUpgrade");
            assertThat(e.getCode()).isEqualTo("PERMISSION_DENIED");
            assertThat(e.getPeer()).startsWith("unix:pid=");
        });
    }

    @Test
    void moltAuditShowsWhoWasRefused() throws Exception {
        molt(STRANGER, "upgrades", "cancel", "u-audited");

        Cli table = molt(0, "audit", "--limit", "20");
        assertThat(table.exit()).as(table.toString()).isEqualTo(ExitCodes.OK);
        assertThat(table.out()).contains("uid:65533").contains("Upgrades/CancelUpgrade").contains("PERMISSION_DENIED");

        Cli json = molt(0, "audit", "-o", "json");
        assertThat(json.exit()).as(json.toString()).isEqualTo(ExitCodes.OK);
        assertThat(json.out()).contains("\"principal\": \"uid:65533\"").contains("\"code\": \"PERMISSION_DENIED\"");
    }

    @Test
    void aSupplementaryGroupCountsAsTheKernelGaveIt() throws Exception {
        // The stranger is in no /etc/group list; its session was given nogroup (65534) as a
        // supplementary group, the way `usermod -aG` + a new login gives one: SO_PEERGROUPS.
        Cli list = molt(STRANGER, List.of("--groups=" + NOBODY), "upgrades", "list");
        assertThat(list.exit()).as(list.toString()).isEqualTo(ExitCodes.OK);

        Cli cancel = molt(STRANGER, List.of("--groups=" + NOBODY), "upgrades", "cancel", "u-nosuch");
        assertThat(cancel.exit()).as(cancel.toString()).isEqualTo(ExitCodes.DENIED);
        assertThat(cancel.err()).as(cancel.toString()).contains("uid:65533").contains("needs the operator role");
    }

    @Test
    void rootIsAnOperator() throws Exception {
        Cli cancel = molt(0, "upgrades", "cancel", "u-nosuch");

        assertThat(cancel.exit()).as(cancel.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(cancel.err()).contains("no upgrade u-nosuch");
    }

    private static List<AuditEntry> audit() throws InterruptedException {
        ManagedChannel channel = daemon.unixChannel();
        try {
            return AuditGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .listAuditEntries(ListAuditEntriesRequest.newBuilder().setLimit(100).build()).getEntriesList();
        } finally {
            TestDaemon.close(channel);
        }
    }

    record Cli(int exit, String out, String err) {}

    /** The real CLI, as {@code uid} (and the same gid, no supplementary groups). */
    private static Cli molt(int uid, String... args) throws IOException, InterruptedException {
        return molt(uid, List.of("--clear-groups"), args);
    }

    /** The real CLI, as {@code uid} and the same gid, with setpriv's {@code groups} options. */
    private static Cli molt(int uid, List<String> groups, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid));
        command.addAll(groups);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData", "-Xshare:auto",
                "-cp", lib.resolve("*") + ":" + lib.resolve("classes"), "dev.molt.cli.MoltCli",
                "--socket", daemon.config.socket().toString(), "--timeout", "60s"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().put("HOME", dir.toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("molt " + String.join(" ", args) + " as uid " + uid + " ended").isTrue();
        return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void copyClassPath() throws IOException {
        Path target = Path.of("target");
        for (String entry : Files.readString(target.resolve("molt-classpath.txt")).strip().split(":")) {
            Path jar = Path.of(entry);
            if (!jar.getFileName().toString().startsWith("rocksdbjni")) { // the CLI never opens the store
                Files.copy(jar, lib.resolve(jar.getFileName()));
            }
        }
        Path classes = target.resolve("classes").toAbsolutePath();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path p : files.toList()) {
                Path copy = lib.resolve("classes").resolve(classes.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(p, copy);
                }
            }
        }
        try (Stream<Path> files = Files.walk(lib)) {
            for (Path p : files.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
