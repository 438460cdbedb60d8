package dev.molt.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.molt.api.v1.AuditEntry;
import dev.molt.api.v1.AuditGrpc;
import dev.molt.api.v1.GetUpgradeRequest;
import dev.molt.api.v1.ListAuditEntriesRequest;
import dev.molt.api.v1.ListSnapshotsRequest;
import dev.molt.api.v1.ListUpgradesRequest;
import dev.molt.api.v1.StartUpgradeRequest;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.TargetKernel;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.UpgradeState;
import dev.molt.api.v1.Workload;
import dev.molt.daemon.DaemonConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over TCP with mutual TLS, real certificates made with openssl: who may call what. The
 * role is the client certificate's OU; a client without a certificate from moltd's CA never gets
 * a call through.
 */
@Timeout(300)
class MutualTlsTest {
    @TempDir
    static Path dir;

    static TestPki.Ca ca;
    static TestPki.Issued operator;
    static TestPki.Issued viewer;
    static TestPki.Issued noRole;
    static TestPki.Issued otherCaOperator;
    static TestDaemon daemon;
    static int port;
    static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        ca = pki.ca("molt-ca");
        TestPki.Ca otherCa = pki.ca("other-ca");
        TestPki.Issued server = pki.server(ca);
        operator = pki.client(ca, "alice", "/CN=alice/OU=operator");
        viewer = pki.client(ca, "bob", "/CN=bob/OU=viewer");
        noRole = pki.client(ca, "carol", "/CN=carol");
        otherCaOperator = pki.client(otherCa, "mallory", "/CN=mallory/OU=operator");
        DaemonConfig config = TestDaemon.config(dir).withTcp(new InetSocketAddress("127.0.0.1", 0),
                new DaemonConfig.Tls(server.certificate(), server.key(), ca.certificate()), false);
        daemon = TestDaemon.start(config);
        port = daemon.daemon.tcpAddress().orElseThrow().getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ManagedChannel c : channels) {
            TestDaemon.close(c);
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aViewerIsRefusedEveryMutatingRpcAndNothingChanges() {
        ManagedChannel channel = tls(viewer);
        String before = state(tls(operator));
        MutatingCalls.all().forEach((name, call) -> {
            StatusRuntimeException e = failure(call, channel);
            assertThat(e.getStatus().getCode()).as(name).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).as(name)
                    .contains("CN=bob").contains("needs the operator role").contains("has viewer");
        });
        assertThat(state(tls(operator))).isEqualTo(before);
        // Reads are a viewer's to make.
        assertThat(MutatingCalls.upgrades(channel).listUpgrades(ListUpgradesRequest.getDefaultInstance())).isNotNull();
        assertThat(recentAudit()).anySatisfy(entry -> {
            assertThat(entry.getPrincipal()).contains("CN=bob");
            assertThat(entry.getRole()).isEqualTo("viewer");
            assertThat(entry.getCode()).isEqualTo("PERMISSION_DENIED");
            assertThat(entry.getPeer()).startsWith("tcp:");
        });
    }

    @Test
    void aCertificateWithoutARoleIsRefusedEvenReads() {
        ManagedChannel channel = tls(noRole);
        StatusRuntimeException e = failure(ch -> MutatingCalls.upgrades(ch).listUpgrades(ListUpgradesRequest.getDefaultInstance()), channel);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(e.getStatus().getDescription()).contains("CN=carol").contains("OU=operator or OU=viewer");
    }

    @Test
    void noCertificateAWrongCaOrPlaintextNeverGetACallThrough() throws Exception {
        String before = state(tls(operator));
        List<ManagedChannel> strangers = List.of(tls(otherCaOperator), tlsWithoutCertificate(), plaintext());
        for (ManagedChannel stranger : strangers) {
            MutatingCalls.all().forEach((name, call) -> {
                StatusRuntimeException e = failure(call, stranger);
                assertThat(e.getStatus().getCode()).as(name).isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
            });
        }
        assertThat(state(tls(operator))).isEqualTo(before);
    }

    @Test
    void anOperatorPassesTheGateOnEveryMutatingRpcAndStartsAnUpgrade() throws Exception {
        ManagedChannel channel = tls(operator);
        MutatingCalls.all().forEach((name, call) -> {
            StatusRuntimeException e = failure(call, channel);
            assertThat(e.getStatus().getCode()).as(name + ": " + e.getStatus()).isEqualTo(Status.Code.NOT_FOUND);
        });
        try (SleepingTree tree = SleepingTree.start()) {
            // A kernel that is not a bzImage: preflight fails, the upgrade ends ABORTED before parking.
            Upgrade started = MutatingCalls.upgrades(channel).startUpgrade(StartUpgradeRequest.newBuilder()
                    .setRequestId("tls-operator-1")
                    .setSpec(UpgradeSpec.newBuilder().addWorkloads(Workload.newBuilder().setPid((int) tree.rootPid))
                            .setSwitchMethod(SwitchMethod.SWITCH_METHOD_KEXEC)
                            .setTarget(TargetKernel.newBuilder().setKernelPath("/etc/hostname").setInitrdPath("/etc/hostname")))
                    .build());
            assertThat(started.getId()).isNotEmpty();
            assertThat(awaitFinal(channel, started.getId()).getState()).isEqualTo(UpgradeState.ABORTED);
            assertThat(ProcessHandle.of(tree.rootPid)).as("the workload runs on").isPresent();
        }
        assertThat(recentAudit()).anySatisfy(entry -> {
            assertThat(entry.getPrincipal()).contains("CN=alice");
            assertThat(entry.getRole()).isEqualTo("operator");
            assertThat(entry.getMethod()).isEqualTo("molt.v1.Upgrades/StartUpgrade");
            assertThat(entry.getRequestId()).isEqualTo("tls-operator-1");
            assertThat(entry.getCode()).isEqualTo("OK");
        });
    }

    static Upgrade awaitFinal(ManagedChannel channel, String id) {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (true) {
            Upgrade u = MutatingCalls.upgrades(channel).getUpgrade(GetUpgradeRequest.newBuilder().setUpgradeId(id).build());
            if (u.getState() == UpgradeState.DONE || u.getState() == UpgradeState.ABORTED
                    || u.getState() == UpgradeState.ROLLED_BACK || u.getState() == UpgradeState.FAILED) {
                return u;
            }
            assertThat(Instant.now()).as("upgrade " + id + " still " + u.getState()).isBefore(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
    }

    private static List<AuditEntry> recentAudit() {
        return AuditGrpc.newBlockingStub(tls(operator)).listAuditEntries(ListAuditEntriesRequest.newBuilder().setLimit(200).build())
                .getEntriesList();
    }

    /** The host's state as the API shows it: upgrades and snapshots. */
    static String state(ManagedChannel channel) {
        return MutatingCalls.upgrades(channel).listUpgrades(ListUpgradesRequest.newBuilder().setLimit(1000).build()).toString()
                + MutatingCalls.snapshots(channel).listSnapshots(ListSnapshotsRequest.getDefaultInstance());
    }

    static StatusRuntimeException failure(Consumer<io.grpc.Channel> call, ManagedChannel channel) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> call.accept(channel));
        assertThat(e).as("the call failed").isNotNull();
        return e;
    }

    private static ManagedChannel tls(TestPki.Issued client) {
        try {
            return remember(NettyChannelBuilder.forAddress("localhost", port)
                    .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                            .trustManager(ca.certificate().toFile())
                            .keyManager(client.certificate().toFile(), client.key().toFile())
                            .build())
                    .build());
        } catch (javax.net.ssl.SSLException e) {
            throw new AssertionError(e);
        }
    }

    private static ManagedChannel tlsWithoutCertificate() throws javax.net.ssl.SSLException {
        return remember(NettyChannelBuilder.forAddress("localhost", port)
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                        .trustManager(ca.certificate().toFile()).build())
                .build());
    }

    private static ManagedChannel plaintext() {
        return remember(NettyChannelBuilder.forAddress("localhost", port).usePlaintext().build());
    }

    private static synchronized ManagedChannel remember(ManagedChannel c) {
        channels.add(c);
        return c;
    }
}
