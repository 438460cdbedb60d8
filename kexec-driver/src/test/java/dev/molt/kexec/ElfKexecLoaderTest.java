package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fast boot's parts that need no kexec: the ELF kernel cut out of a real Debian bzImage, and the commands. */
@Timeout(300)
class ElfKexecLoaderTest {
    @TempDir
    Path dir;

    @Test
    void theElfKernelIsCutOutOfARealDebianBzImageOnceAndCached() throws Exception {
        KernelImage kernel = KernelImage.inspect(RealKernels.debianBzImage());

        Path vmlinux = Vmlinux.extract(kernel, dir);

        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(vmlinux), 20);
        assertThat(java.util.Arrays.copyOf(head, 4)).containsExactly(0x7f, 'E', 'L', 'F');
        assertThat(head[4]).as("ELFCLASS64").isEqualTo((byte) 2);
        assertThat(Files.size(vmlinux)).as("uncompressed, bigger than the bzImage").isGreaterThan(Files.size(kernel.path()));
        assertThat(vmlinux.getFileName().toString()).startsWith("vmlinux-" + RealKernels.RELEASE + "-");
        long modified = Files.getLastModifiedTime(vmlinux).toMillis();
        assertThat(Vmlinux.extract(kernel, dir)).isEqualTo(vmlinux);
        assertThat(Files.getLastModifiedTime(vmlinux).toMillis()).as("cached, not extracted again").isEqualTo(modified);
        try (var files = Files.list(dir)) {
            assertThat(files).singleElement().isEqualTo(vmlinux);
        }
    }

    @Test
    void aPayloadOutsideTheFileIsRefusedNamingIt() throws Exception {
        byte[] image = new byte[4096];
        image[KernelImage.SETUP_SECTS] = 1;
        java.nio.ByteBuffer.wrap(image).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(Vmlinux.PAYLOAD_OFFSET, 100)
                .putInt(Vmlinux.PAYLOAD_LENGTH, 1 << 20);
        assertThatThrownBy(() -> Vmlinux.payload(Path.of("/boot/odd"), image))
                .isInstanceOf(KernelImageException.class)
                .hasMessageContaining("/boot/odd").hasMessageContaining("does not lie inside the file");
    }

    @Test
    void anUnknownCompressionIsRefusedNamingItsBytes() {
        assertThatThrownBy(() -> Vmlinux.Compression.of(Path.of("/boot/x"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                .isInstanceOf(KernelImageException.class).hasMessageContaining("0102030405060708");
    }

    @Test
    void theLoadCommandPassesTheInitrdAndCommandLineAsLinuxArguments() {
        ElfKexecLoader loader = new ElfKexecLoader(new KexecToolsLoader(Path.of("kexec"), Duration.ofSeconds(5)),
                Path.of("kexec"), dir, true);

        assertThat(loader.loadCommand(Path.of("/var/lib/molt/kernels/vmlinux-x"), Path.of("/boot/initrd.img-x"), "root=/dev/vda quiet"))
                .containsExactly("kexec", "-l", "/var/lib/molt/kernels/vmlinux-x", "--no-checks", "--initrd=/boot/initrd.img-x",
                        "--append=root=/dev/vda quiet", "--args-linux");
    }

    @Test
    void thePurgatorysChecksumPassIsSkippedUnlessAskedFor() {
        ElfKexecLoader verifying = new ElfKexecLoader(new KexecToolsLoader(Path.of("kexec"), Duration.ofSeconds(5)),
                Path.of("kexec"), dir, true, true);

        assertThat(verifying.loadCommand(Path.of("/k/vmlinux-x"), null, "quiet")).doesNotContain("--no-checks");
    }

    @Test
    void cryptoSelfTestsAreSkippedUnlessFipsOrToldOtherwise() {
        ElfKexecLoader skipping = new ElfKexecLoader(new KexecToolsLoader(Path.of("kexec"), Duration.ofSeconds(5)), Path.of("kexec"), dir, true);
        ElfKexecLoader keeping = new ElfKexecLoader(new KexecToolsLoader(Path.of("kexec"), Duration.ofSeconds(5)), Path.of("kexec"), dir, false);

        assertThat(skipping.bootCmdline("root=/dev/vda", false)).isEqualTo("root=/dev/vda cryptomgr.notests");
        assertThat(skipping.bootCmdline("root=/dev/vda cryptomgr.notests", false)).isEqualTo("root=/dev/vda cryptomgr.notests");
        assertThat(skipping.bootCmdline("root=/dev/vda", true)).as("FIPS").isEqualTo("root=/dev/vda");
        assertThat(keeping.bootCmdline("root=/dev/vda", false)).isEqualTo("root=/dev/vda");
    }

    @Test
    void aLockedDownKernelRefusesKexecLoad() throws Exception {
        Path securityfs = Files.createDirectories(dir.resolve("security"));
        assertThat(ElfKexecLoader.refusedHere(securityfs)).as("no lockdown file").isEmpty();
        Files.writeString(securityfs.resolve("lockdown"), "[none] integrity confidentiality\n");
        assertThat(ElfKexecLoader.refusedHere(securityfs)).isEmpty();
        Files.writeString(securityfs.resolve("lockdown"), "none [integrity] confidentiality\n");
        assertThat(ElfKexecLoader.refusedHere(securityfs)).get().asString().contains("locked down");
    }

    @Test
    void theEnvironmentChoosesTheElfLoader() {
        KexecSwitch elf = KexecSwitch.fromEnvironment(java.util.Map.of(KexecSwitch.LOADER_ENV, "elf"));
        assertThat(elf.loader()).isInstanceOf(ElfKexecLoader.class);
        assertThatThrownBy(() -> KexecSwitch.fromEnvironment(java.util.Map.of(KexecSwitch.LOADER_ENV, "fast")))
                .hasMessageContaining("elf");
    }
}
