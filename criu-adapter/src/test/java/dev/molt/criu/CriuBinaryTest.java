package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where CRIU is looked for: MOLT_CRIU, then ~/.cache/molt/bin/criu, then PATH. */
class CriuBinaryTest {

    @TempDir
    Path dir;

    @Test
    void molt_criu_wins_over_everything() throws Exception {
        Path configured = executable(dir.resolve("mine"));
        executable(dir.resolve("home").resolve(CriuBinary.INSTALLED));

        assertThat(CriuBinary.locate(Map.of("MOLT_CRIU", configured.toString()), dir.resolve("home")).path())
                .isEqualTo(configured);
    }

    @Test
    void the_installed_copy_wins_over_path() throws Exception {
        Path installed = executable(dir.resolve("home").resolve(CriuBinary.INSTALLED));
        executable(dir.resolve("bin").resolve("criu"));

        assertThat(CriuBinary.locate(Map.of("PATH", dir.resolve("bin").toString()), dir.resolve("home")).path())
                .isEqualTo(installed);
    }

    @Test
    void path_is_the_last_resort() throws Exception {
        Path onPath = executable(dir.resolve("bin").resolve("criu"));

        assertThat(CriuBinary.locate(Map.of("PATH", "/nonexistent:" + dir.resolve("bin")), dir.resolve("home")).path())
                .isEqualTo(onPath);
    }

    @Test
    void a_bad_molt_criu_is_an_error_not_a_fallback() {
        assertThatThrownBy(() -> CriuBinary.locate(Map.of("MOLT_CRIU", "/nonexistent/criu"), dir))
                .isInstanceOf(CriuException.Unavailable.class)
                .hasMessageContaining("MOLT_CRIU=/nonexistent/criu");
    }

    @Test
    void nothing_found_names_every_place_tried_and_what_to_do() {
        assertThatThrownBy(() -> CriuBinary.locate(Map.of("PATH", "/nonexistent"), dir))
                .isInstanceOf(CriuException.Unavailable.class)
                .hasMessageContaining(dir.resolve(CriuBinary.INSTALLED).toString())
                .hasMessageContaining("/nonexistent/criu")
                .hasMessageContaining("install-deps.sh");
    }

    private static Path executable(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, "#!/bin/sh\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }
}
