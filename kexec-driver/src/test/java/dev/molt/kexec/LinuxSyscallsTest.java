package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FFM plumbing the kexec loader uses, on calls that are harmless here (open and close). The
 * kexec_file_load and reboot calls are exercised only in the QEMU guest tests.
 */
class LinuxSyscallsTest {

    @TempDir
    Path dir;

    @Test
    void opensAFileReadOnlyAndClosesIt() throws IOException {
        Path file = Files.writeString(dir.resolve("vmlinuz"), "x");

        LinuxSyscalls.Result fd = LinuxSyscalls.openReadOnly(file.toString());

        assertThat(fd.failed()).isFalse();
        assertThat(fd.value()).isGreaterThan(2);
        assertThat(Path.of("/proc/self/fd", Long.toString(fd.value())).toRealPath()).isEqualTo(file.toRealPath());
        LinuxSyscalls.close((int) fd.value());
        assertThat(Files.exists(Path.of("/proc/self/fd", Long.toString(fd.value())))).isFalse();
    }

    @Test
    void capturesErrnoOfAFailedCall() {
        LinuxSyscalls.Result fd = LinuxSyscalls.openReadOnly(dir.resolve("missing").toString());

        assertThat(fd.failed()).isTrue();
        assertThat(fd.errno()).isEqualTo(Errno.ENOENT);
    }
}
