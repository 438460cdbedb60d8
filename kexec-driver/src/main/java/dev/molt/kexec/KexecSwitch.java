package dev.molt.kexec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The kexec kernel switch. {@link #prepare} validates the plan and stages the new kernel while the
 * workloads still run (a load takes ~0.9 s in the guest, which stays outside the stop); {@link
 * #cancel} unstages it; {@link #execute} enters it and does not return on success.
 *
 * <p>Everything that can be checked without the kernel is checked first, in this order: the
 * kernel image ({@link KernelImage#inspect}), the initrd, the command line's length, then whether
 * the running kernel has kexec at all and allows loads. Only then does the {@link KexecLoader}
 * make a system call, and afterwards /sys/kernel/kexec_loaded must read 1.
 *
 * <p>The system-call path is exercised in the QEMU guest tests (a kernel with kexec); host tests
 * cover only the checks before it, with a fake loader and a fake kernel root, because the
 * development host's kernel has no kexec and must never be switched.
 */
public final class KexecSwitch implements KernelSwitch {

    /**
     * Bytes the x86_64 bzImage loader keeps free in the command line for a crash kernel's
     * {@code elfcorehdr=} (MAX_ELFCOREHDR_STR_LEN in arch/x86/kernel/kexec-bzimage64.c): it refuses,
     * with a bare EINVAL, a command line whose length with its NUL plus this exceeds the image's
     * cmdline_size, even for a normal (non-crash) load.
     */
    static final int ELFCOREHDR_RESERVE = 30;

    /** Environment variable choosing the loader: {@code syscall} (default), {@code kexec-tools} or {@code elf}. */
    public static final String LOADER_ENV = "MOLT_KEXEC";
    /** Environment variable naming the kexec binary for the kexec-tools loader (default: on PATH). */
    public static final String KEXEC_BIN_ENV = "MOLT_KEXEC_BIN";
    /** Where the elf loader keeps the kernels it cut out of bzImages (default /var/lib/molt/kernels). */
    public static final String ELF_CACHE_ENV = "MOLT_KEXEC_ELF_CACHE";
    /** 0: the elf loader leaves the crypto self-tests on (default: cryptomgr.notests, except on FIPS hosts). */
    public static final String SKIP_CRYPTO_TESTS_ENV = "MOLT_KEXEC_SKIP_CRYPTO_TESTS";
    /** 1: the elf loader lets the purgatory check the loaded segments' SHA-256 at kexec -e (default: --no-checks). */
    public static final String VERIFY_SEGMENTS_ENV = "MOLT_KEXEC_VERIFY_SEGMENTS";

    /** A kernel staged by {@link #prepare}. */
    public record Staged(KernelImage kernel, Path initrd, String cmdline) {
    }

    private final KexecLoader loader;
    private final RunningKernel runningKernel;
    private Staged staged;
    /** True once a load was attempted and not yet undone: cancel must unload even a half-done prepare. */
    private boolean loadAttempted;

    public KexecSwitch(KexecLoader loader, RunningKernel runningKernel) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.runningKernel = Objects.requireNonNull(runningKernel, "runningKernel");
    }

    /**
     * The switch an environment asks for: {@value #LOADER_ENV} = {@code syscall} (default) or
     * {@code kexec-tools}, with {@value #KEXEC_BIN_ENV} naming the binary for the latter.
     *
     * @throws IllegalArgumentException for any other loader name
     */
    public static KexecSwitch fromEnvironment(Map<String, String> env) {
        String choice = env.getOrDefault(LOADER_ENV, "syscall");
        KexecLoader loader = switch (choice) {
            case "syscall", "" -> new SyscallKexecLoader();
            case "kexec-tools" -> new KexecToolsLoader(Path.of(env.getOrDefault(KEXEC_BIN_ENV, "kexec")),
                    Duration.ofMinutes(2));
            case "elf" -> {
                Path kexec = Path.of(env.getOrDefault(KEXEC_BIN_ENV, "kexec"));
                yield new ElfKexecLoader(new KexecToolsLoader(kexec, Duration.ofMinutes(2)), kexec,
                        Path.of(env.getOrDefault(ELF_CACHE_ENV, "/var/lib/molt/kernels")),
                        !"0".equals(env.get(SKIP_CRYPTO_TESTS_ENV)), "1".equals(env.get(VERIFY_SEGMENTS_ENV)));
            }
            default -> throw new IllegalArgumentException(LOADER_ENV + "=" + choice
                    + " is not a kexec loader: use syscall (kexec_file_load, the default), kexec-tools,"
                    + " or elf (the fast boot: the uncompressed kernel with kexec_load, not under lockdown)");
        };
        return new KexecSwitch(loader, RunningKernel.host());
    }

    @Override
    public String name() {
        return "kexec";
    }

    /** The loader in use, for status output. */
    public KexecLoader loader() {
        return loader;
    }

    /** What {@link #prepare} staged, if it succeeded and was not cancelled. */
    public synchronized Optional<Staged> staged() {
        return Optional.ofNullable(staged);
    }

    @Override
    public synchronized void prepare(SwitchPlan plan) throws SwitchException {
        Objects.requireNonNull(plan, "plan");
        staged = null;
        KernelImage kernel;
        if (plan.keepsRunningKernel()) {
            throw new SwitchException(SwitchException.Reason.INVALID_PLAN,
                    "kexec needs a kernel image to load: the plan names none");
        }
        try {
            kernel = KernelImage.inspect(plan.kernel());
        } catch (KernelImageException e) {
            throw new SwitchException(SwitchException.Reason.INVALID_IMAGE, "kernel " + e.getMessage(), e);
        }
        checkInitrd(plan.initrd());
        String cmdline = plan.reusesCmdline() ? runningKernel.reusableCmdline() : plan.cmdline().strip();
        checkCmdline(kernel, cmdline);
        if (!runningKernel.hasKexec()) {
            throw new SwitchException(SwitchException.Reason.NOT_SUPPORTED,
                    "the running kernel has no kexec (no /sys/kernel/kexec_loaded): it needs CONFIG_KEXEC_FILE;"
                            + " use the restart switch on this host");
        }
        if (runningKernel.kexecLoadDisabled()) {
            throw new SwitchException(SwitchException.Reason.NOT_PERMITTED,
                    "kexec loads are disabled until the next boot (kernel.kexec_load_disabled = 1)");
        }
        loadAttempted = true;
        loader.load(kernel, plan.initrd(), cmdline);
        if (!runningKernel.kexecLoaded()) {
            throw new SwitchException(SwitchException.Reason.LOAD_REFUSED, loader.name() + " reported success for "
                    + kernel.path() + " but /sys/kernel/kexec_loaded is not 1");
        }
        staged = new Staged(kernel, plan.initrd(), cmdline);
    }

    @Override
    public synchronized void cancel() {
        staged = null;
        if (!loadAttempted) {
            return;
        }
        try {
            loader.unload();
            loadAttempted = false;
        } catch (SwitchException e) {
            // Left staged, a kernel only costs memory: nothing enters it without an explicit execute.
            System.getLogger(KexecSwitch.class.getName()).log(System.Logger.Level.WARNING,
                    "could not unload the staged kernel: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void execute() throws SwitchException {
        if (staged == null) {
            throw new SwitchException(SwitchException.Reason.NOT_PREPARED,
                    "no kernel is staged: prepare the kexec switch first");
        }
        if (!runningKernel.kexecLoaded()) {
            staged = null;
            throw new SwitchException(SwitchException.Reason.NOT_PREPARED, "the staged kernel "
                    + "is gone (/sys/kernel/kexec_loaded is 0: something unloaded it): prepare again");
        }
        loader.reboot();
        throw new SwitchException(SwitchException.Reason.FAILED, loader.name() + " returned from reboot");
    }

    private static void checkInitrd(Path initrd) throws SwitchException {
        if (initrd == null) {
            return;
        }
        String problem = null;
        if (Files.isDirectory(initrd)) {
            problem = "is a directory";
        } else if (!Files.exists(initrd)) {
            problem = "does not exist";
        } else if (!Files.isRegularFile(initrd)) {
            problem = "is not a regular file";
        } else if (!Files.isReadable(initrd)) {
            problem = "is not readable";
        } else {
            try {
                if (Files.size(initrd) == 0) {
                    problem = "is empty";
                }
            } catch (java.io.IOException e) {
                problem = "cannot be read: " + e.getMessage();
            }
        }
        if (problem != null) {
            throw new SwitchException(SwitchException.Reason.INVALID_IMAGE, "initrd " + initrd + ": " + problem);
        }
    }

    private static void checkCmdline(KernelImage kernel, String cmdline) throws SwitchException {
        if (cmdline.indexOf('\0') >= 0) {
            throw new SwitchException(SwitchException.Reason.INVALID_PLAN, "the command line contains a NUL byte");
        }
        int length = cmdline.getBytes(StandardCharsets.UTF_8).length;
        int limit = maxCmdlineLength(kernel);
        if (length > limit) {
            throw new SwitchException(SwitchException.Reason.INVALID_PLAN, "the command line is " + length
                    + " bytes; " + kernel.release() + " accepts at most " + limit + " through kexec_file_load"
                    + " (its cmdline_size " + kernel.cmdlineSize() + " less the NUL and " + ELFCOREHDR_RESERVE
                    + " bytes kept for a crash kernel's elfcorehdr=)");
        }
    }

    /** The longest command line, in bytes without its NUL, that kexec_file_load accepts for {@code kernel}. */
    static int maxCmdlineLength(KernelImage kernel) {
        return kernel.cmdlineSize() - 1 - ELFCOREHDR_RESERVE;
    }
}
