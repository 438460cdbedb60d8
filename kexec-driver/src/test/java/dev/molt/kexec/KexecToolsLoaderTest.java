package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kexec-tools loader's commands and error handling, with a stand-in script instead of kexec:
 * the real binary is run only in the QEMU guest tests.
 */
class KexecToolsLoaderTest {

    @TempDir
    Path dir;

    @Test
    void loadsWithKexecFileLoadAndAnExplicitCommandLine() throws Exception {
        KernelImage image = KernelImage.inspect(new BzImageBuilder().writeTo(dir.resolve("vmlinuz")));
        KexecToolsLoader loader = new KexecToolsLoader(Path.of("/usr/sbin/kexec"), Duration.ofSeconds(5));

        assertThat(loader.loadCommand(image, Path.of("/boot/initrd.img"), "root=/dev/vda ro"))
                .containsExactly("/usr/sbin/kexec", "-s", "-l", image.path().toString(),
                        "--initrd=/boot/initrd.img", "--command-line=root=/dev/vda ro");
        assertThat(loader.loadCommand(image, null, "ro"))
                .containsExactly("/usr/sbin/kexec", "-s", "-l", image.path().toString(), "--command-line=ro");
    }

    @Test
    void load_error_aRefusalKeepsKexecsOwnWords() throws Exception {
        KernelImage image = KernelImage.inspect(new BzImageBuilder().writeTo(dir.resolve("vmlinuz")));
        Path kexec = script("echo 'kexec_file_load failed: Operation not permitted' >&2; exit 1");
        KexecToolsLoader loader = new KexecToolsLoader(kexec, Duration.ofSeconds(30));

        assertThatThrownBy(() -> loader.load(image, null, "ro"))
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_PERMITTED))
                .hasMessageEndingWith("exited with status 1: kexec_file_load failed: Operation not permitted");
    }

    @Test
    void load_error_aMissingBinaryIsNotSupported() throws Exception {
        KernelImage image = KernelImage.inspect(new BzImageBuilder().writeTo(dir.resolve("vmlinuz")));
        KexecToolsLoader loader = new KexecToolsLoader(dir.resolve("no-kexec-here"), Duration.ofSeconds(5));

        assertThatThrownBy(() -> loader.load(image, null, "ro"))
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_SUPPORTED))
                .hasMessageContaining("install kexec-tools");
    }

    @Test
    void reboot_error_aKexecThatReturnsHasFailed() throws IOException {
        KexecToolsLoader loader = new KexecToolsLoader(script("exit 0"), Duration.ofSeconds(30));

        assertThatThrownBy(loader::reboot)
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.FAILED))
                .hasMessageContaining("the old kernel still runs");
    }

    private Path script(String body) throws IOException {
        Path file = dir.resolve("kexec");
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }
}
