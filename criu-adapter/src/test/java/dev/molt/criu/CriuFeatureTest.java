package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which features a request needs, and the typed error that lists what an old CRIU lacks. */
class CriuFeatureTest {

    private final DumpSpec plain = DumpSpec.of(100, Path.of("/images"), Path.of("/work"));

    @Test
    void a_plain_dump_needs_the_nftables_lock_only() {
        // The image directory goes by path (3.19+) or, for older CRIUs, as an fd: never required.
        assertThat(Criu.requiredFor(plain)).containsExactly(CriuFeature.NFTABLES_NETWORK_LOCK);
    }

    @Test
    void tcp_on_a_kernel_that_refuses_inet_passcred_and_a_frozen_cgroup_add_their_own_needs() {
        DumpSpec spec = plain.withTcpEstablished(true).withFreezeCgroup(Path.of("/sys/fs/cgroup/unified/w"));

        assertThat(Criu.requiredFor(spec, "6.18.0-1-amd64"))
                .contains(CriuFeature.INET_SOCKETS_WITHOUT_PASSCRED, CriuFeature.CGROUP_V2_FREEZER);
    }

    @Test
    void tcp_on_linux_6_1_is_dumped_by_bookworms_criu_3_17() {
        var needed = Criu.requiredFor(plain.withTcpEstablished(true), "6.1.0-50-amd64");

        assertThat(CriuFeature.missingIn(CriuVersion.parse("3.17.1"), needed)).isEmpty();
    }

    @Test
    void inet_passcred_is_refused_from_linux_6_16_on() {
        assertThat(CriuFeature.kernelRefusesInetPasscred("6.15.9")).isFalse();
        assertThat(CriuFeature.kernelRefusesInetPasscred("6.16.0")).isTrue();
        assertThat(CriuFeature.kernelRefusesInetPasscred("7.2.12+deb14-amd64")).isTrue();
        assertThat(CriuFeature.kernelRefusesInetPasscred("5.10.0-30-amd64")).isFalse();
        assertThat(CriuFeature.kernelRefusesInetPasscred("weird")).isTrue();
    }

    @Test
    void an_old_criu_is_told_everything_it_lacks_at_once() {
        CriuVersion old = CriuVersion.parse("4.1.1");
        var needed = Criu.requiredFor(plain.withTcpEstablished(true), "6.18.0");

        var missing = CriuFeature.missingIn(old, needed);
        var error = new CriuException.MissingFeatures(old, Path.of("/usr/sbin/criu"), missing);

        assertThat(missing).containsExactly(CriuFeature.INET_SOCKETS_WITHOUT_PASSCRED);
        assertThat(error.getMessage())
                .contains("CRIU 4.1.1 at /usr/sbin/criu lacks")
                .contains("inet-sockets-without-passcred (CRIU >= 4.2.0")
                .contains("install-deps.sh");
    }

    @Test
    void criu_4_2_1_has_everything_molt_asks_for() {
        var everything = Criu.requiredFor(plain.withTcpEstablished(true).withFreezeCgroup(Path.of("/cg")));

        assertThat(CriuFeature.missingIn(CriuVersion.parse("4.2.1"), everything)).isEmpty();
    }
}
