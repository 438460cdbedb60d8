package dev.molt.kexec;

import java.nio.file.Path;

/**
 * The mechanism under {@link KexecSwitch}: how a kernel is staged, unstaged and entered. Two
 * exist: {@link SyscallKexecLoader} (kexec_file_load and reboot through FFM, the default) and
 * {@link KexecToolsLoader} (the kexec-tools binary). {@code KexecSwitch} validates everything
 * before calling a loader; a loader only talks to the kernel.
 */
public interface KexecLoader {

    /** For messages: {@code kexec_file_load} or {@code kexec-tools}. */
    String name();

    /**
     * Stages {@code kernel} as the image the next kexec reboot enters, replacing any staged one.
     *
     * @param initrd the initramfs, or {@code null} for none
     * @param cmdline the command line, without a terminating NUL
     */
    void load(KernelImage kernel, Path initrd, String cmdline) throws SwitchException;

    /** Removes the staged image; succeeds when none is staged. */
    void unload() throws SwitchException;

    /** Syncs file systems and enters the staged kernel. Returns only by throwing. */
    void reboot() throws SwitchException;
}
