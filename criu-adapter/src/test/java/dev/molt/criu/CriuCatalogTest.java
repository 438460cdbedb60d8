package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CriuCatalogTest {
    static final CriuVersion BOOKWORM = CriuVersion.parse("3.17.1");
    static final CriuVersion FORKY = CriuVersion.parse("4.2.1");
    static final KernelRelease OLD = KernelRelease.parse("6.1.0-50-amd64");
    static final KernelRelease NEW = KernelRelease.parse("7.2.12+deb14-amd64");

    @TempDir
    Path dir;

    /** The guest's layout: bookworm's CRIU configured, forky's staged under DIR/4.2.1/criu. */
    private CriuCatalog guest(boolean forkyStaged) throws Exception {
        Path system = executable(dir.resolve("usr/sbin/criu"));
        Path staged = dir.resolve("var/lib/molt/criu");
        Files.createDirectories(staged);
        if (forkyStaged) {
            executable(staged.resolve("4.2.1/criu"));
        }
        return CriuCatalog.discover(system, Map.of(CriuCatalog.STAGED_DIR_ENV, staged.toString()),
                CriuKernelTable.standard(), p -> {
                    if (p.equals(system)) {
                        return BOOKWORM;
                    }
                    throw new AssertionError("staged CRIUs are known by their directory, not run: " + p);
                });
    }

    @Test
    void on_6_1_the_configured_bookworm_criu_keeps_its_place() throws Exception {
        var chosen = (CriuCatalog.Selection.Chosen) guest(true).forKernel(OLD, null);
        assertThat(chosen.criu().version()).isEqualTo(BOOKWORM);
    }

    @Test
    void for_7_2_the_staged_forky_criu_restores_what_bookworms_dumped() throws Exception {
        var chosen = (CriuCatalog.Selection.Chosen) guest(true).forKernel(NEW, BOOKWORM);
        assertThat(chosen.criu().version()).isEqualTo(FORKY);
        assertThat(chosen.criu().binary().path()).endsWith(Path.of("4.2.1/criu"));
        assertThat(chosen.explanation()).contains("7.2.12+deb14-amd64 needs 4.2.1 or newer");
    }

    @Test
    void back_on_6_1_images_dumped_by_4_2_1_need_4_2_1_not_the_configured_3_17_1() throws Exception {
        var chosen = (CriuCatalog.Selection.Chosen) guest(true).forKernel(OLD, FORKY);
        assertThat(chosen.criu().version()).isEqualTo(FORKY);
    }

    @Test
    void with_only_bookworms_criu_the_refusal_names_the_kernel_what_was_found_and_what_is_needed() throws Exception {
        var none = (CriuCatalog.Selection.NoneSuitable) guest(false).forKernel(NEW, BOOKWORM);
        assertThat(none.message())
                .contains("kernel 7.2.12+deb14-amd64")
                .contains("found CRIU 3.17.1 at " + dir.resolve("usr/sbin/criu"))
                .contains("needed CRIU 4.2.1 or newer")
                .contains("4.2.1/criu");
    }

    @Test
    void a_candidate_that_cannot_tell_its_version_is_left_out() throws Exception {
        Path broken = executable(dir.resolve("broken/criu"));
        var catalog = CriuCatalog.discover(broken, Map.of(CriuCatalog.STAGED_DIR_ENV, dir.resolve("none").toString()),
                CriuKernelTable.standard(), p -> {
                    throw new CriuException.Unavailable("exit 127", null);
                });
        assertThat(catalog.installed()).isEmpty();
        assertThat(catalog.forKernel(OLD, null)).isInstanceOf(CriuCatalog.Selection.NoneSuitable.class);
    }

    @Test
    void the_real_probe_reads_criu_version_output() throws Exception {
        Path fake = dir.resolve("criu-version.sh");
        Files.writeString(fake, "#!/bin/sh\necho 'Version: 4.2.1'\necho 'GitID: v4.2.1'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(CriuCatalog.probeVersion(fake)).isEqualTo(FORKY);
    }

    private static Path executable(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }
}
