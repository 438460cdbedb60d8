package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which features a request needs, and the typed error that lists what an old CRIU lacks. */
class CriuFeatureTest {

    private final DumpSpec plain = DumpSpec.of(100, Path.of("/images"), Path.of("/work"));

    @Test
    void a_plain_dump_needs_images_dir_by_path_and_the_nftables_lock() {
        assertThat(Criu.requiredFor(plain))
                .containsExactly(CriuFeature.RPC_IMAGES_DIR_PATH, CriuFeature.NFTABLES_NETWORK_LOCK);
    }

    @Test
    void tcp_and_a_frozen_cgroup_add_their_own_needs() {
        DumpSpec spec = plain.withTcpEstablished(true).withFreezeCgroup(Path.of("/sys/fs/cgroup/unified/w"));

        assertThat(Criu.requiredFor(spec))
                .contains(CriuFeature.INET_SOCKETS_WITHOUT_PASSCRED, CriuFeature.CGROUP_V2_FREEZER);
    }

    @Test
    void an_old_criu_is_told_everything_it_lacks_at_once() {
        CriuVersion old = CriuVersion.parse("3.17.1");
        var needed = Criu.requiredFor(plain.withTcpEstablished(true));

        var missing = CriuFeature.missingIn(old, needed);
        var error = new CriuException.MissingFeatures(old, Path.of("/usr/sbin/criu"), missing);

        assertThat(missing).containsExactly(CriuFeature.RPC_IMAGES_DIR_PATH, CriuFeature.INET_SOCKETS_WITHOUT_PASSCRED);
        assertThat(error.getMessage())
                .contains("CRIU 3.17.1 at /usr/sbin/criu lacks")
                .contains("rpc-images-dir-path (CRIU >= 3.19.0")
                .contains("inet-sockets-without-passcred (CRIU >= 4.2.0")
                .contains("install-deps.sh");
    }

    @Test
    void criu_4_2_1_has_everything_molt_asks_for() {
        var everything = Criu.requiredFor(plain.withTcpEstablished(true).withFreezeCgroup(Path.of("/cg")));

        assertThat(CriuFeature.missingIn(CriuVersion.parse("4.2.1"), everything)).isEmpty();
    }
}
