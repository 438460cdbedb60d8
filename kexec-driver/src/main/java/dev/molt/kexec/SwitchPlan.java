package dev.molt.kexec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What to switch to.
 *
 * @param kernel the new kernel's bzImage; required
 * @param initrd its initramfs, or {@code null} to boot without one
 * @param cmdline its command line; {@code null} or blank means the running kernel's own
 *     (/proc/cmdline without the boot loader's BOOT_IMAGE= parameter)
 */
public record SwitchPlan(Path kernel, Path initrd, String cmdline) {

    public SwitchPlan {
        Objects.requireNonNull(kernel, "kernel: the new kernel's bzImage is required");
    }

    /** True when the plan asks for the running kernel's command line. */
    public boolean reusesCmdline() {
        return cmdline == null || cmdline.isBlank();
    }
}
