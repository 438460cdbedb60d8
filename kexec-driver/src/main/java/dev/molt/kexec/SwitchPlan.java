package dev.molt.kexec;

import java.nio.file.Path;

/**
 * What to switch to.
 *
 * @param kernel the new kernel's bzImage; {@code null} only for a switch that keeps the running
 *     kernel (see {@link #keepRunningKernel()}), which a kexec switch refuses
 * @param initrd its initramfs, or {@code null} to boot without one
 * @param cmdline its command line; {@code null} or blank means the running kernel's own
 *     (/proc/cmdline without the boot loader's BOOT_IMAGE= parameter)
 */
public record SwitchPlan(Path kernel, Path initrd, String cmdline) {

    /** The plan of the on-host restart switch: the kernel stays as it is. */
    public static SwitchPlan keepRunningKernel() {
        return new SwitchPlan(null, null, null);
    }

    /** True when no new kernel is named. */
    public boolean keepsRunningKernel() {
        return kernel == null;
    }

    /** True when the plan asks for the running kernel's command line. */
    public boolean reusesCmdline() {
        return cmdline == null || cmdline.isBlank();
    }
}
