package dev.molt.kexec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The fast boot: loads the kernel's uncompressed ELF ({@link Vmlinux}, cut out of the bzImage
 * before parking) with kexec-tools' {@code kexec -l --args-linux} (the kexec_load system call),
 * and by default skips the crypto self-tests of the new boot ({@code cryptomgr.notests}, never on
 * a FIPS host). Measured in the TCG guest (FIELD-NOTES): kexec -e to the new kernel's clock 2.49 s
 * to 0.84 s, and to /init another 0.65 s less.
 *
 * <p>What it gives up: kexec_load takes no signature and loads without KASLR, and lockdown
 * (Secure Boot) refuses it. So it is a choice ({@code MOLT_KEXEC=elf}); {@link #usableHere}
 * says when the running kernel would refuse it, and the default loader stays kexec_file_load.
 */
public final class ElfKexecLoader implements KexecLoader {
    /** Skips the crypto self-tests at boot (not on FIPS hosts): ~0.2 s under TCG. */
    static final String NO_CRYPTO_TESTS = "cryptomgr.notests";

    private final KexecToolsLoader tools;
    private final Path kexec;
    private final Path cacheDir;
    private final boolean skipCryptoTests;
    private final boolean verifySegments;

    public ElfKexecLoader(KexecToolsLoader tools, Path kexec, Path cacheDir, boolean skipCryptoTests) {
        this(tools, kexec, cacheDir, skipCryptoTests, false);
    }

    /**
     * @param verifySegments let kexec-tools' purgatory check the SHA-256 of the loaded kernel and
     *     initramfs at {@code kexec -e}, between the kernels: on the path to restore, a pass over the
     *     whole uncompressed kernel (tens of MB) by code without SIMD. It guards the few seconds
     *     between load and execute against memory corruption; off by default in the fast boot,
     *     which trades the same kind of assurance (signatures) for speed already.
     */
    public ElfKexecLoader(KexecToolsLoader tools, Path kexec, Path cacheDir, boolean skipCryptoTests, boolean verifySegments) {
        this.tools = Objects.requireNonNull(tools, "tools");
        this.kexec = Objects.requireNonNull(kexec, "kexec");
        this.cacheDir = Objects.requireNonNull(cacheDir, "cacheDir");
        this.skipCryptoTests = skipCryptoTests;
        this.verifySegments = verifySegments;
    }

    @Override
    public String name() {
        return "kexec-tools (ELF)";
    }

    /** Empty when kexec_load can work here; otherwise why not (lockdown). */
    public static java.util.Optional<String> refusedHere(Path securityfs) {
        Path lockdown = securityfs.resolve("lockdown");
        try {
            if (Files.isReadable(lockdown) && !Files.readString(lockdown).contains("[none]")) {
                return java.util.Optional.of("the kernel is locked down (" + lockdown + ": "
                        + Files.readString(lockdown).strip() + "): only signed kexec_file_load is allowed");
            }
        } catch (java.io.IOException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.empty();
    }

    /** The command that stages the ELF kernel; visible for tests. */
    List<String> loadCommand(Path vmlinux, Path initrd, String cmdline) {
        List<String> command = new ArrayList<>(List.of(kexec.toString(), "-l", vmlinux.toString()));
        if (!verifySegments) {
            command.add("--no-checks");
        }
        if (initrd != null) {
            command.add("--initrd=" + initrd);
        }
        command.add("--append=" + cmdline);
        // Without it kexec-tools treats the ELF as a generic image: "Ramdisks not supported with
        // generic elf arguments".
        command.add("--args-linux");
        return command;
    }

    /** The command line, with the self-tests skipped unless told otherwise or the host is in FIPS mode. */
    String bootCmdline(String cmdline, boolean fips) {
        if (!skipCryptoTests || fips || List.of(cmdline.split("\\s+")).contains(NO_CRYPTO_TESTS)) {
            return cmdline;
        }
        return (cmdline + " " + NO_CRYPTO_TESTS).strip();
    }

    @Override
    public void load(KernelImage kernel, Path initrd, String cmdline) throws SwitchException {
        java.util.Optional<String> refused = refusedHere(Path.of("/sys/kernel/security"));
        if (refused.isPresent()) {
            throw new SwitchException(SwitchException.Reason.NOT_PERMITTED, refused.get()
                    + "; use the default loader (MOLT_KEXEC=syscall)");
        }
        Path vmlinux;
        try {
            vmlinux = Vmlinux.extract(kernel, cacheDir);
        } catch (KernelImageException e) {
            throw new SwitchException(SwitchException.Reason.INVALID_IMAGE, e.getMessage(), e);
        }
        tools.run(loadCommand(vmlinux, initrd, bootCmdline(cmdline, fips())), SwitchException.Reason.LOAD_REFUSED);
    }

    @Override
    public void unload() throws SwitchException {
        tools.run(List.of(kexec.toString(), "-u"), SwitchException.Reason.FAILED);
    }

    @Override
    public void reboot() throws SwitchException {
        tools.reboot();
    }

    private static boolean fips() {
        try {
            return Files.readString(Path.of("/proc/sys/crypto/fips_enabled")).strip().equals("1");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
