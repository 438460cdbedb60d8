package dev.molt.kexec.livepatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Molt's livepatch driver: checks a module against the running kernel before anything is loaded,
 * loads it, follows its transition ({@link TransitionFollower}), and cleans up after it: a reversed
 * patch's module and the modules an atomic replace made obsolete are unloaded.
 *
 * <p>Stateless: everything it knows comes from sysfs and /proc, so a restarted coordinator can
 * pick up a transition where it is ({@link #follow}).
 */
public final class LivepatchDriver {
    /** How long a disabled patch's directory may take to vanish (the kernel frees it from a work item). */
    static final Duration FREE_TIMEOUT = Duration.ofSeconds(30);

    private final LivepatchSysfs sysfs;
    private final ModuleLoader loader;
    private final TransitionFollower follower;
    private final Ticker ticker;
    private final Path osrelease;

    public LivepatchDriver(LivepatchSysfs sysfs, ProcTasks tasks, Signals signals, ModuleLoader loader, Ticker ticker,
            Path osrelease) {
        this.sysfs = sysfs;
        this.loader = loader;
        this.ticker = ticker;
        this.osrelease = osrelease;
        this.follower = new TransitionFollower(sysfs, tasks, signals, ticker);
    }

    /** The driver for this machine's kernel. */
    public static LivepatchDriver host() {
        return new LivepatchDriver(LivepatchSysfs.host(), ProcTasks.host(), Signals.host(), new KernelModuleLoader(),
                Ticker.system(), Path.of("/proc/sys/kernel/osrelease"));
    }

    /** The running kernel's release (uname -r). */
    public String runningRelease() {
        try {
            return Files.readString(osrelease, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the running kernel's release from " + osrelease, e);
        }
    }

    public boolean supported() {
        return sysfs.supported();
    }

    /**
     * Reads {@code ko} and checks, before anything is loaded, that it can be applied here: a
     * livepatch, built for the running kernel, livepatching supported, no other transition
     * running, no patch of that name loaded.
     */
    public ModuleInfo check(Path ko) throws LivepatchException {
        ModuleInfo info = ModuleInfo.read(ko);
        if (!info.livepatch()) {
            throw new LivepatchException(LivepatchException.Reason.NOT_A_LIVEPATCH, "the module " + ko + " (" + info.name()
                    + ") is not a livepatch: its .modinfo has no livepatch=Y; load ordinary modules with modprobe");
        }
        String running = runningRelease();
        if (!info.release().equals(running)) {
            throw new LivepatchException(LivepatchException.Reason.WRONG_KERNEL, "the livepatch " + info.name() + " ("
                    + ko + ") was built for kernel " + info.release() + " (vermagic '" + info.vermagic()
                    + "') but this kernel is " + running + ": nothing was loaded; get its build for " + running
                    + ", or upgrade the kernel instead");
        }
        if (!sysfs.supported()) {
            throw new LivepatchException(LivepatchException.Reason.NOT_SUPPORTED, "kernel " + running
                    + " has no livepatch support (" + sysfs.root() + " is missing: CONFIG_LIVEPATCH is off)");
        }
        List<PatchStatus> loaded = sysfs.list();
        for (PatchStatus patch : loaded) {
            if (patch.name().equals(info.name())) {
                throw new LivepatchException(LivepatchException.Reason.ALREADY_APPLIED, "a livepatch named " + info.name()
                        + " is already loaded (enabled " + (patch.enabled() ? 1 : 0) + "): revert it first");
            }
        }
        for (PatchStatus patch : loaded) {
            if (patch.transition()) {
                throw new LivepatchException(LivepatchException.Reason.BUSY, "the livepatch " + patch.name()
                        + " is in transition (" + (patch.enabled() ? "patching" : "unpatching")
                        + "): only one transition runs at a time; wait for it or revert it");
            }
        }
        return info;
    }

    /** The outcome of an apply. {@code replaced}: patches an atomic replace disabled (their modules unloaded). */
    public record Applied(String patch, TransitionResult transition, List<String> replaced, List<String> warnings) {
        public Applied {
            replaced = List.copyOf(replaced);
            warnings = List.copyOf(warnings);
        }
    }

    /** Checks, loads and follows {@code ko}'s patching transition (see {@link TransitionFollower}). */
    public Applied apply(Path ko, TransitionPolicy policy, TransitionListener listener)
            throws LivepatchException, InterruptedException {
        ModuleInfo info = check(ko);
        Set<String> before = enabledNames();
        load(ko, info);
        return finish(info.name(), before, follower.follow(info.name(), policy, listener));
    }

    /** Loads a module that {@link #check} accepted; returns once its transition has started. */
    public void load(Path ko, ModuleInfo info) throws LivepatchException {
        loader.load(ko, info);
    }

    /** Follows a transition already under way (after a coordinator restart) and cleans up like {@link #apply}. */
    public TransitionResult follow(String name, TransitionPolicy policy, TransitionListener listener)
            throws LivepatchException, InterruptedException {
        return follower.follow(name, policy, listener);
    }

    /** After a patching transition ended: unload what is left over, collect warnings. */
    public Applied finish(String patch, Set<String> enabledBefore, TransitionResult result) throws InterruptedException {
        List<String> warnings = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        switch (result.outcome()) {
            case COMPLETED -> {
                // Atomic replace: the patches enabled before and gone now were replaced by this one.
                Set<String> now = enabledNames();
                for (String old : enabledBefore) {
                    if (!now.contains(old)) {
                        replaced.add(old);
                        unloadWhenFreed(old, warnings);
                    }
                }
            }
            case REVERSED -> unloadWhenFreed(patch, warnings);
            case FORCED -> warnings.add("the transition of " + patch + " was forced: its module stays loaded until reboot");
            case REVERSAL_STUCK -> warnings.add("the reversal of " + patch + " did not complete: tasks are still "
                    + "converging back (see the blockers); wait, or force it with the operator's force flag");
        }
        return new Applied(patch, result, replaced, warnings);
    }

    /** Every loaded livepatch. */
    public List<PatchStatus> list() {
        return sysfs.list();
    }

    /**
     * Disables patch {@code name} (unless it is already being disabled: then this follows that),
     * follows the unpatching, and unloads its module when the kernel freed it. A stuck unpatching
     * is reversed back to patched at the timeout (the patch stays).
     */
    public TransitionResult revert(String name, TransitionPolicy policy, TransitionListener listener)
            throws LivepatchException, InterruptedException {
        PatchStatus patch = sysfs.find(name).orElseThrow(() -> new LivepatchException(LivepatchException.Reason.NOT_FOUND,
                "no livepatch named " + name + " is loaded (molt patch list shows what is)"));
        if (patch.enabled()) {
            for (PatchStatus other : sysfs.list()) {
                if (other.transition()) {
                    throw new LivepatchException(LivepatchException.Reason.BUSY, "the livepatch " + other.name()
                            + " is in transition: only one transition runs at a time; wait for it");
                }
            }
            sysfs.setEnabled(name, false);
        }
        TransitionResult result = follower.follow(name, policy, listener);
        if (result.outcome() == TransitionResult.Outcome.COMPLETED) {
            unloadIfLoaded(name);
        }
        return result;
    }

    /**
     * Waits for the kernel to free patch {@code name} if it is disabled, then unloads its module if
     * it is loaded. For a revert whose disabling already completed (after a restart).
     */
    public TransitionResult unloadIfLoaded(String name) throws LivepatchException, InterruptedException {
        List<String> warnings = new ArrayList<>();
        unloadWhenFreed(name, warnings);
        if (!warnings.isEmpty()) {
            throw new LivepatchException(LivepatchException.Reason.FAILED, String.join("; ", warnings));
        }
        return new TransitionResult(TransitionResult.Outcome.COMPLETED, Duration.ZERO, List.of(), 0);
    }

    /** Waits for the kernel to free a disabled patch (its directory vanishes), then unloads its module. */
    void unloadWhenFreed(String name, List<String> warnings) throws InterruptedException {
        long deadline = ticker.nanoTime() + FREE_TIMEOUT.toNanos();
        while (sysfs.find(name).isPresent()) {
            if (ticker.nanoTime() > deadline) {
                warnings.add("the kernel did not free the livepatch " + name + " within " + FREE_TIMEOUT.toSeconds()
                        + " s: its module stays loaded");
                return;
            }
            ticker.sleep(Duration.ofMillis(100));
        }
        LivepatchException last = null;
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                loader.unload(name);
                return;
            } catch (LivepatchException e) {
                if (e.reason() == LivepatchException.Reason.NOT_FOUND) {
                    return;
                }
                last = e;
                // The module's reference from its patch is dropped just after the directory goes.
                ticker.sleep(Duration.ofMillis(100));
            }
        }
        warnings.add("the module " + name + " could not be unloaded: " + last.getMessage());
    }

    private Set<String> enabledNames() {
        return sysfs.list().stream().filter(PatchStatus::enabled).map(PatchStatus::name).collect(Collectors.toSet());
    }
}
