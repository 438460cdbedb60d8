package dev.molt.kexec;

import java.util.Map;

/**
 * Linux x86_64 error numbers that kexec_file_load and reboot return, with what each means for a
 * kernel switch. Kept here rather than asked of libc (strerror) so the messages are stable and
 * say what to do.
 */
final class Errno {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ENOEXEC = 8;
    static final int EBADF = 9;
    static final int ENOMEM = 12;
    static final int EFAULT = 14;
    static final int EBUSY = 16;
    static final int EINVAL = 22;
    static final int EFBIG = 27;
    static final int ENOSYS = 38;
    static final int EBADMSG = 74;
    static final int EOPNOTSUPP = 95;
    static final int ENOKEY = 126;
    static final int EKEYREJECTED = 129;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM"), Map.entry(ENOENT, "ENOENT"), Map.entry(ENOEXEC, "ENOEXEC"),
            Map.entry(EBADF, "EBADF"), Map.entry(ENOMEM, "ENOMEM"), Map.entry(EFAULT, "EFAULT"),
            Map.entry(EBUSY, "EBUSY"), Map.entry(EINVAL, "EINVAL"), Map.entry(EFBIG, "EFBIG"),
            Map.entry(ENOSYS, "ENOSYS"), Map.entry(EBADMSG, "EBADMSG"), Map.entry(EOPNOTSUPP, "EOPNOTSUPP"),
            Map.entry(ENOKEY, "ENOKEY"), Map.entry(EKEYREJECTED, "EKEYREJECTED"));

    private Errno() {
    }

    /** {@code EPERM (1)}, or {@code errno 200} for numbers without a name here. */
    static String name(int errno) {
        String name = NAMES.get(errno);
        return name == null ? "errno " + errno : name + " (" + errno + ")";
    }

    /** What a refused kexec_file_load means, and what to do about it. */
    static String loadHint(int errno) {
        return switch (errno) {
            case EPERM -> "not permitted: kexec needs CAP_SYS_BOOT, and is refused when"
                    + " kernel.kexec_load_disabled is 1 or the kernel is locked down";
            case ENOSYS -> "the running kernel has no kexec_file_load (CONFIG_KEXEC_FILE): use the restart switch";
            case ENOEXEC -> "the running kernel does not recognise the image format (a bzImage is needed for kexec_file_load)";
            case EKEYREJECTED, ENOKEY, EBADMSG -> "the image's signature was rejected: the running kernel enforces"
                    + " signed kexec (KEXEC_SIG or lockdown); use the distribution's signed image";
            case EBUSY -> "another kexec load or crash kernel operation is in progress: retry";
            case ENOMEM -> "not enough contiguous memory to stage the image: free memory or use a smaller initrd";
            case EINVAL -> "the kernel rejected the image or its arguments (command line too long for it,"
                    + " an initrd it cannot place, or a kernel it cannot boot)";
            case EFBIG -> "the image or initrd is too large for the running kernel to stage";
            case EBADF -> "a file descriptor was not valid for reading (a bug in Molt's loader)";
            default -> "the running kernel refused the load";
        };
    }

    /** How a refused load is classified for the operator. */
    static SwitchException.Reason loadReason(int errno) {
        return switch (errno) {
            case EPERM -> SwitchException.Reason.NOT_PERMITTED;
            case ENOSYS, EOPNOTSUPP -> SwitchException.Reason.NOT_SUPPORTED;
            default -> SwitchException.Reason.LOAD_REFUSED;
        };
    }
}
