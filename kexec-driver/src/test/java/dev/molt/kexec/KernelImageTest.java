package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KernelImageTest {

    @TempDir
    Path dir;

    @Test
    void readsReleaseProtocolAndSizeFromADebianLikeHeader() throws Exception {
        BzImageBuilder builder = new BzImageBuilder();
        Path file = builder.writeTo(dir.resolve("vmlinuz"));

        KernelImage image = KernelImage.inspect(file);

        assertThat(image.path()).isEqualTo(file);
        assertThat(image.release()).isEqualTo("6.1.0-56-amd64");
        assertThat(image.version()).startsWith("6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP");
        assertThat(image.protocolVersion()).isEqualTo(new BootProtocolVersion(2, 15));
        assertThat(image.size()).isEqualTo(Files.size(file));
        assertThat(image.cmdlineSize()).isEqualTo(2047);
    }

    @Test
    void acceptsTheOldestProtocolKexecFileLoadCanBoot() throws Exception {
        Path file = new BzImageBuilder().protocol(2, 12).writeTo(dir.resolve("vmlinuz"));

        assertThat(KernelImage.inspect(file).protocolVersion()).hasToString("2.12");
    }

    @Test
    void acceptsASignedImageLongerThanItsHeaderDeclares() throws Exception {
        Path file = new BzImageBuilder().writeTo(dir.resolve("vmlinuz"));
        Files.write(file, new byte[1472], java.nio.file.StandardOpenOption.APPEND); // a PE signature, say

        assertThat(KernelImage.inspect(file).release()).isEqualTo("6.1.0-56-amd64");
    }

    @Test
    void inspectsARealDebianKernel() throws Exception {
        Path vmlinuz = RealKernels.debianBzImage();

        KernelImage image = KernelImage.inspect(vmlinuz);

        assertThat(image.release()).isEqualTo(RealKernels.RELEASE);
        assertThat(image.version()).startsWith(RealKernels.RELEASE + " (debian-kernel@lists.debian.org) #1 SMP");
        assertThat(image.protocolVersion().isAtLeast(BootProtocolVersion.KEXEC_FILE_MINIMUM)).isTrue();
        assertThat(image.size()).isEqualTo(Files.size(vmlinuz));
        assertThat(image.cmdlineSize()).isEqualTo(2047);
    }

    static Stream<Arguments> brokenHeaders() {
        return Stream.of(
                broken("no boot sector signature", b -> b.bootFlag(0x1234),
                        "not a bzImage: no boot sector signature 0xAA55 at 0x1FE"),
                broken("no HdrS", b -> b.magic("HdrX"), "not a bzImage: no HdrS magic at 0x202"),
                broken("protocol 2.10", b -> b.protocol(2, 10),
                        "boot protocol 2.10 is too old: kexec_file_load needs 2.12 or later"),
                broken("a zImage", b -> b.loadflags(0), "not a bzImage: loadflags at 0x211 lack LOADED_HIGH"),
                broken("32-bit", b -> b.xloadflags(0x7e), "32-bit kernel: xloadflags at 0x236 lack XLF_KERNEL_64"),
                broken("truncated", b -> b.truncateTo(b.setupSize() + 100),
                        "truncated: the header declares 6656 bytes (setup 2560 + syssize), the file has 2660"),
                broken("no version pointer", b -> b.versionPointer(0),
                        "no kernel version string (kernel_version at 0x20E is 0)"),
                broken("version pointer past the setup code", b -> b.versionPointer(0x1000),
                        "kernel_version at 0x20E points to 0x1200, outside the setup code (0xa00 bytes)"),
                broken("unterminated version", b -> b.versionBytes("6.1.0".getBytes(), false),
                        "kernel version string at 0x400 is not NUL-terminated within 512 bytes"),
                broken("binary version", b -> b.versionBytes(new byte[] {'6', 1, 2}, true),
                        "kernel version string at 0x400 holds a non-printable byte 0x1"),
                broken("empty version", b -> b.version(""), "kernel version string at 0x400 is empty"),
                broken("shorter than a header", b -> b.truncateTo(0x100),
                        "not a bzImage: only 256 bytes, shorter than the setup header (0x23c)"));
    }

    private static Arguments broken(String name, UnaryOperator<BzImageBuilder> breakIt, String problem) {
        return Arguments.of(name, breakIt, problem);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenHeaders")
    void namesTheFileAndWhatIsWrong(String name, UnaryOperator<BzImageBuilder> breakIt, String problem)
            throws IOException {
        Path file = breakIt.apply(new BzImageBuilder()).writeTo(dir.resolve("broken"));

        assertThatThrownBy(() -> KernelImage.inspect(file))
                .isInstanceOfSatisfying(KernelImageException.class, e -> {
                    assertThat(e.path()).isEqualTo(file);
                    assertThat(e.problem()).startsWith(problem);
                    assertThat(e.getMessage()).isEqualTo(file + ": " + e.problem());
                });
    }

    @Test
    void rejectsAnEmptyFile() throws IOException {
        Path file = Files.createFile(dir.resolve("empty"));

        assertThatThrownBy(() -> KernelImage.inspect(file))
                .isInstanceOf(KernelImageException.class).hasMessage(file + ": file is empty");
    }

    @Test
    void rejectsADirectory() {
        assertThatThrownBy(() -> KernelImage.inspect(dir))
                .isInstanceOf(KernelImageException.class).hasMessage(dir + ": is a directory, not a kernel image");
    }

    @Test
    void rejectsAMissingFile() {
        Path file = dir.resolve("vmlinuz-missing");

        assertThatThrownBy(() -> KernelImage.inspect(file))
                .isInstanceOf(KernelImageException.class).hasMessage(file + ": does not exist");
    }

    @Test
    void rejectsAnElfVmlinux() throws IOException {
        byte[] elf = new byte[4096];
        elf[0] = 0x7f;
        elf[1] = 'E';
        elf[2] = 'L';
        elf[3] = 'F';
        Path file = Files.write(dir.resolve("vmlinux"), elf);

        assertThatThrownBy(() -> KernelImage.inspect(file))
                .isInstanceOf(KernelImageException.class)
                .hasMessage(file + ": not a bzImage: no boot sector signature 0xAA55 at 0x1FE");
    }
}
