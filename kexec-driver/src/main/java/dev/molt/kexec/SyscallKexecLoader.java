package dev.molt.kexec;

import java.nio.file.Path;

/**
 * Loads kernels with kexec_file_load(2) and enters them with reboot(LINUX_REBOOT_CMD_KEXEC), both
 * through FFM. kexec_file_load (rather than kexec_load) lets the kernel itself parse the bzImage
 * and check its signature, which lockdown and Secure Boot require.
 *
 * <p>x86_64 only (the system call number is the x86_64 one). Exercised in the QEMU guest tests;
 * the development host's kernel has no kexec, and no host test may call {@link #load},
 * {@link #unload} or {@link #reboot}.
 */
public final class SyscallKexecLoader implements KexecLoader {

    @Override
    public String name() {
        return "kexec_file_load";
    }

    @Override
    public void load(KernelImage kernel, Path initrd, String cmdline) throws SwitchException {
        requireX86_64();
        int kernelFd = open(kernel.path(), "kernel");
        int initrdFd = -1;
        try {
            long flags = 0;
            if (initrd == null) {
                flags |= LinuxSyscalls.KEXEC_FILE_NO_INITRAMFS;
            } else {
                initrdFd = open(initrd, "initrd");
            }
            LinuxSyscalls.Result result = LinuxSyscalls.kexecFileLoad(kernelFd, initrdFd, cmdline, flags);
            if (result.failed()) {
                throw new SwitchException(Errno.loadReason(result.errno()),
                        "kexec_file_load of " + kernel.path() + (initrd == null ? "" : " with initrd " + initrd)
                                + " failed: " + Errno.name(result.errno()) + ": " + Errno.loadHint(result.errno()),
                        result.errno(), null);
            }
        } finally {
            if (initrdFd >= 0) {
                LinuxSyscalls.close(initrdFd);
            }
            LinuxSyscalls.close(kernelFd);
        }
    }

    @Override
    public void unload() throws SwitchException {
        requireX86_64();
        LinuxSyscalls.Result result = LinuxSyscalls.kexecFileLoad(-1, -1, null, LinuxSyscalls.KEXEC_FILE_UNLOAD);
        if (result.failed()) {
            throw new SwitchException(Errno.loadReason(result.errno()),
                    "kexec_file_load(KEXEC_FILE_UNLOAD) failed: " + Errno.name(result.errno()), result.errno(), null);
        }
    }

    @Override
    public void reboot() throws SwitchException {
        requireX86_64();
        // reboot(2) does not sync: without this, what the store wrote last may still be in the page cache.
        LinuxSyscalls.sync();
        LinuxSyscalls.Result result = LinuxSyscalls.rebootIntoLoadedKernel();
        int errno = result.errno();
        throw new SwitchException(errno == Errno.EPERM ? SwitchException.Reason.NOT_PERMITTED : SwitchException.Reason.FAILED,
                "reboot(LINUX_REBOOT_CMD_KEXEC) returned " + result.value() + " with " + Errno.name(errno)
                        + (errno == Errno.EINVAL ? ": no kernel is loaded" : "") + "; the old kernel still runs",
                errno, null);
    }

    private static int open(Path path, String what) throws SwitchException {
        LinuxSyscalls.Result fd = LinuxSyscalls.openReadOnly(path.toString());
        if (fd.failed()) {
            throw new SwitchException(SwitchException.Reason.INVALID_IMAGE,
                    "cannot open the " + what + " " + path + ": " + Errno.name(fd.errno()), fd.errno(), null);
        }
        return (int) fd.value();
    }

    private static void requireX86_64() throws SwitchException {
        String arch = System.getProperty("os.arch");
        if (!"amd64".equals(arch) && !"x86_64".equals(arch)) {
            throw new SwitchException(SwitchException.Reason.NOT_SUPPORTED,
                    "the kexec_file_load loader supports x86_64 only, this JVM runs on " + arch
                            + ": use the kexec-tools loader (MOLT_KEXEC=kexec-tools)");
        }
    }
}
