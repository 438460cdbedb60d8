package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RunningKernelTest {

    @Test
    void dropsTheBootLoadersImageParameterFromTheCommandLine() {
        assertThat(RunningKernel.withoutBootImage("BOOT_IMAGE=/boot/vmlinuz-6.1.0-50-amd64 root=UUID=ab ro  quiet\n"))
                .isEqualTo("root=UUID=ab ro quiet");
        assertThat(RunningKernel.withoutBootImage("console=ttyS0")).isEqualTo("console=ttyS0");
    }

    @Test
    void readsAWholeIntegerSysctl() throws Exception {
        // Files.readString returns only "3" of pid_max's "32768" here: see readProcFile.
        Path pidMax = Path.of("/proc/sys/kernel/pid_max");
        String value = RunningKernel.readProcFile(pidMax);

        assertThat(Long.parseLong(value)).isGreaterThanOrEqualTo(301); // the kernel's minimum pid_max
        assertThat(value).startsWith(Files.readString(pidMax).strip());
    }
}
