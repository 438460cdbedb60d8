package dev.molt.kexec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What the running kernel says about kexec, read from procfs and sysfs under a root directory
 * ({@code /} on a host; a directory a test fills in otherwise):
 * {@code sys/kernel/kexec_loaded} (present only with CONFIG_KEXEC_CORE; 1 while an image is
 * staged), {@code proc/sys/kernel/kexec_load_disabled} and {@code proc/cmdline}.
 */
public final class RunningKernel {

    private final Path kexecLoaded;
    private final Path kexecLoadDisabled;
    private final Path cmdline;

    public RunningKernel(Path root) {
        Objects.requireNonNull(root, "root");
        this.kexecLoaded = root.resolve("sys/kernel/kexec_loaded");
        this.kexecLoadDisabled = root.resolve("proc/sys/kernel/kexec_load_disabled");
        this.cmdline = root.resolve("proc/cmdline");
    }

    /** The kernel this process runs on. */
    public static RunningKernel host() {
        return new RunningKernel(Path.of("/"));
    }

    /** True when the kernel was built with kexec at all. */
    public boolean hasKexec() {
        return Files.exists(kexecLoaded);
    }

    /** True when an image is staged for the next kexec reboot. */
    public boolean kexecLoaded() throws SwitchException {
        return hasKexec() && "1".equals(read(kexecLoaded, "whether a kernel is loaded"));
    }

    /** True when kernel.kexec_load_disabled is set: no load is possible until the next boot. */
    public boolean kexecLoadDisabled() throws SwitchException {
        return Files.exists(kexecLoadDisabled) && "1".equals(read(kexecLoadDisabled, "kexec_load_disabled"));
    }

    /**
     * The command line to give the next kernel when the plan names none: the running one's, without
     * the boot loader's BOOT_IMAGE= parameter, which names the old kernel's file (kexec-tools'
     * --reuse-cmdline drops it too).
     */
    public String reusableCmdline() throws SwitchException {
        return withoutBootImage(read(cmdline, "the running kernel's command line"));
    }

    /**
     * Reads a small procfs or sysfs file with one large read. Not Files.readString: on a file that
     * reports size 0 it starts with a 1-byte read, and a procfs integer sysctl (kexec_load_disabled)
     * answers only a read at offset 0, so the rest of the value would be lost.
     */
    static String readProcFile(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_PROC_FILE), StandardCharsets.UTF_8).strip();
        }
    }

    /** Larger than any file read here: /proc/cmdline is at most COMMAND_LINE_SIZE (2048 on x86). */
    private static final int MAX_PROC_FILE = 64 * 1024;

    static String withoutBootImage(String cmdline) {
        return Arrays.stream(cmdline.strip().split("\\s+"))
                .filter(word -> !word.isEmpty() && !word.startsWith("BOOT_IMAGE="))
                .collect(Collectors.joining(" "));
    }

    private static String read(Path file, String what) throws SwitchException {
        try {
            return readProcFile(file);
        } catch (IOException e) {
            throw new SwitchException(SwitchException.Reason.FAILED,
                    "cannot read " + what + " from " + file + ": " + e, e);
        }
    }
}
