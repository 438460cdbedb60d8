package dev.molt.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.policy.ProtectedWorkloads;
import dev.molt.policy.UpgradePolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** moltd's configuration file: checked at start, every error naming the line or flag to fix. */
class DaemonConfigTest {
    @TempDir
    Path dir;

    Path file(String text) throws Exception {
        Path f = dir.resolve("moltd.conf");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aFileSetsEveryKeyAndFlagsOverrideIt() throws Exception {
        Path pem = Files.writeString(dir.resolve("x.pem"), "pem");
        Path f = file("""
                # moltd on db7
                store = /srv/molt/store
                staging = /srv/molt/staging
                socket = /run/molt/api.sock
                socket_mode = 0600
                operator_group = ops
                viewer_group = audit
                listen = 0.0.0.0:7468
                tls.cert = %s
                tls.key = %s
                tls.client_ca = %s
                """.formatted(pem, pem, pem));

        DaemonConfig config = DaemonConfig.from(Settings.read(f).override("store", Path.of("/flag/store"), "--store"));

        assertThat(config.storeDir()).isEqualTo(Path.of("/flag/store"));
        assertThat(config.stagingDir()).isEqualTo(Path.of("/srv/molt/staging"));
        assertThat(config.socketMode()).isEqualTo(0600);
        assertThat(config.operatorGroup()).isEqualTo("ops");
        assertThat(config.viewerGroup()).isEqualTo("audit");
        assertThat(config.tcpListen().getPort()).isEqualTo(7468);
        assertThat(config.tls().clientCa()).isEqualTo(pem);
    }

    @Test
    void anUnknownKeyIsNamedWithItsLine() throws Exception {
        Path f = file("store = /srv/molt\n\nlisen = 0.0.0.0:1\n");
        assertThatThrownBy(() -> Settings.read(f)).hasMessageStartingWith(f + ":3: unknown key 'lisen'");
    }

    @Test
    void aLineWithoutEqualsOrARepeatedKeyIsNamed() throws Exception {
        Path noEquals = file("# comment\nstore /srv\n");
        assertThatThrownBy(() -> Settings.read(noEquals)).hasMessageStartingWith(noEquals + ":2: 'store /srv' is not 'key = value'");
        Path twice = file("store = /a\nstore = /b\n");
        assertThatThrownBy(() -> Settings.read(twice)).hasMessage(twice + ":2: 'store' is given again (first at " + twice + ":1); give it once");
    }

    @Test
    void tcpWithoutTlsIsRefusedNamingTheMissingSettings() throws Exception {
        Path f = file("listen = 0.0.0.0:7468\n");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(f)))
                .hasMessageStartingWith(f + ":1: listen 0.0.0.0:7468 serves the API over TCP, which needs mutual TLS")
                .hasMessageContaining("tls.cert, tls.key and tls.client_ca");
        Path partial = file("listen = 0.0.0.0:7468\ntls.cert = /etc/hostname\n");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(partial))).hasMessageContaining("'tls.key' is missing");
    }

    @Test
    void badValuesAreNamedWithTheirLineOrFlag() throws Exception {
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("socket_mode = 99x\n"))))
                .hasMessageEndingWith(":1: socket_mode '99x' is not an octal mode like 0660");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("listen = 7468\n"))))
                .hasMessageEndingWith(":1: listen '7468' is not host:port (for example 0.0.0.0:7468)");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("listen = h:1\ninsecure_tcp = yes\n"))))
                .hasMessageEndingWith(":2: insecure_tcp 'yes' is neither true nor false");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.empty().override("tls.cert", dir.resolve("absent.pem"), "--tls-cert")
                        .override("tls.key", dir.resolve("absent.pem"), "--tls-key").override("tls.client_ca", dir.resolve("absent.pem"), "--tls-client-ca")))
                .hasMessageStartingWith("--tls-cert: tls.cert '" + dir.resolve("absent.pem") + "' is not a readable file");
    }

    @Test
    void plaintextTcpOnlyWhenAskedForByName() throws Exception {
        DaemonConfig config = DaemonConfig.from(Settings.read(file("listen = 0.0.0.0:7300\ninsecure_tcp = true\n")));
        assertThat(config.insecureTcp()).isTrue();
        assertThat(config.tls()).isNull();
    }

    @Test
    void workloadLinesNameTheHostsProtectedWorkloadsInOrder() throws Exception {
        Path f = file("""
                workload.db = unit:postgresql@15-main.service
                workload.cache.redis = cgroup:system.slice/redis.service
                """);

        DaemonConfig config = DaemonConfig.from(Settings.read(f));

        assertThat(config.workloads().workloads()).extracting(ProtectedWorkloads.Named::name).containsExactly("db", "cache.redis");
        assertThat(config.workloads().workloads().get(0).workload().getSystemdUnit()).isEqualTo("postgresql@15-main.service");
        assertThat(config.workloads().workloads().get(1).workload().getCgroup()).isEqualTo("system.slice/redis.service");
        assertThat(config.workloads().workloads().get(1).origin()).isEqualTo(f + ":2");
    }

    @Test
    void anUpgradeNamingNoWorkloadProtectsTheConfiguredOnesAndOneNamingSomeOnlyThose() throws Exception {
        ProtectedWorkloads configured = DaemonConfig.from(Settings.read(file("workload.db = cgroup:db\n"))).workloads();

        UpgradeSpec none = UpgradeSpec.newBuilder().setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART).build();
        UpgradeSpec named = none.toBuilder().addWorkloads(Workload.newBuilder().setPid(7)).build();

        assertThat(configured.complete(none).getWorkloadsList()).containsExactly(Workload.newBuilder().setCgroup("db").build());
        assertThat(configured.complete(named)).isEqualTo(named);
    }

    @Test
    void badWorkloadLinesAreNamedWithTheirLine() throws Exception {
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("workload.app = pid:4242\n"))))
                .hasMessageContaining(":1: workload.app 'pid:4242' names a pid, which names a process only until it ends");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("workload.app = redis\n"))))
                .hasMessageContaining(":1: workload.app 'redis' is not a workload");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("workload.a = cgroup:x\nworkload.b = cgroup:x\n"))))
                .hasMessageContaining(":2: workload.b 'cgroup:x' is already protected as workload.a");
        Path upper = file("workload.App = cgroup:x\n");
        assertThatThrownBy(() -> Settings.read(upper)).hasMessageStartingWith(upper + ":1: unknown key 'workload.App'");
    }

    @Test
    void policyLinesSetTheRulesAndBadOnesAreNamed() throws Exception {
        UpgradePolicy policy = DaemonConfig.from(Settings.read(file("""
                policy.require_window = true
                policy.max_stop = 90s
                policy.livepatch = never
                """))).policy();

        assertThat(policy).isEqualTo(new UpgradePolicy(true, Optional.of(Duration.ofSeconds(90)), UpgradePolicy.Livepatch.NEVER));
        assertThat(DaemonConfig.from(Settings.empty()).policy()).isEqualTo(UpgradePolicy.permissive());
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("policy.max_stop = soon\n"))))
                .hasMessageEndingWith(":1: policy.max_stop 'soon' is not a duration: write 90s, 5m or 1h");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("policy.max_stop = 0s\n"))))
                .hasMessageEndingWith(":1: policy.max_stop '0s' is not a positive duration");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("\npolicy.require_window = yes\n"))))
                .hasMessageEndingWith(":2: policy.require_window 'yes' is neither true nor false");
        assertThatThrownBy(() -> DaemonConfig.from(Settings.read(file("policy.livepatch = sometimes\n"))))
                .hasMessageEndingWith(":1: policy.livepatch 'sometimes' is neither allow nor never");
    }

    @Test
    void metricsAreOffUnlessAListenAddressIsGivenAndTheFlagOverridesTheFile() throws Exception {
        assertThat(DaemonConfig.metricsListen(Settings.empty())).isEmpty();
        Path f = file("# scraped by the local Prometheus\nmetrics.listen = 127.0.0.1:9468\n");
        assertThat(DaemonConfig.metricsListen(Settings.read(f))).hasValueSatisfying(a -> {
            assertThat(a.getHostString()).isEqualTo("127.0.0.1");
            assertThat(a.getPort()).isEqualTo(9468);
        });
        assertThat(DaemonConfig.metricsListen(Settings.read(f).override("metrics.listen", "[::1]:9500", "--metrics-listen")))
                .hasValueSatisfying(a -> assertThat(a.getPort()).isEqualTo(9500));
    }

    @Test
    void aBadMetricsAddressIsNamedWithItsLineOrFlag() throws Exception {
        assertThatThrownBy(() -> DaemonConfig.metricsListen(Settings.read(file("store = /srv\nmetrics.listen = 9468\n"))))
                .hasMessageEndingWith(":2: metrics.listen '9468' is not host:port (for example 0.0.0.0:7468)");
        assertThatThrownBy(() -> DaemonConfig.metricsListen(Settings.empty().override("metrics.listen", "localhost:http", "--metrics-listen")))
                .hasMessage("--metrics-listen: metrics.listen 'localhost:http' has no numeric port after the last ':'");
        assertThatThrownBy(() -> DaemonConfig.metricsListen(Settings.read(file("listen = 0.0.0.0:7468\nmetrics.listen = 0.0.0.0:7468\n"))))
                .hasMessageEndingWith(":2: metrics.listen '0.0.0.0:7468' is the API's listen address too; give metrics a port of their own");
    }
}
