package dev.molt.livepatch;

import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.LivepatchFallback;
import dev.molt.api.v1.LivepatchInfo;
import dev.molt.api.v1.PatchOperation;
import dev.molt.api.v1.PatchOperationKind;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.api.v1.PatchPhase;
import dev.molt.api.v1.PatchProgress;
import dev.molt.api.v1.PatchedObject;
import dev.molt.api.v1.RevertPatchRequest;
import dev.molt.api.v1.TransitionOptions;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.kexec.livepatch.LivepatchDriver;
import dev.molt.kexec.livepatch.LivepatchException;
import dev.molt.kexec.livepatch.ModuleInfo;
import dev.molt.kexec.livepatch.PatchStatus;
import dev.molt.kexec.livepatch.Straggler;
import dev.molt.kexec.livepatch.TransitionListener;
import dev.molt.kexec.livepatch.TransitionPolicy;
import dev.molt.kexec.livepatch.TransitionResult;
import dev.molt.upgrade.UpgradeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies and reverts livepatches as journaled operations: each state is written (synced) before
 * its step runs, so a restarted daemon finds the operation and follows the transition from where
 * the kernel is ({@link #resumeActive}). One operation at a time, and none while an upgrade runs.
 * When an apply is reversed and its policy says so, the fallback full upgrade is started.
 */
public final class Livepatcher {
    private static final Logger LOG = Logger.getLogger(Livepatcher.class.getName());

    /** Starts a full upgrade (Upgrader::start): request id, spec. */
    @FunctionalInterface
    public interface UpgradeStarter {
        Upgrade start(String requestId, UpgradeSpec spec);
    }

    private final LivepatchDriver driver;
    private final LivepatchJournal journal;
    private final UpgradeStarter upgrades;
    private final Supplier<Optional<Upgrade>> activeUpgrade;
    private final ReentrantLock running = new ReentrantLock();

    public Livepatcher(LivepatchDriver driver, LivepatchJournal journal, UpgradeStarter upgrades,
            Supplier<Optional<Upgrade>> activeUpgrade) {
        this.driver = driver;
        this.journal = journal;
        this.upgrades = upgrades;
        this.activeUpgrade = activeUpgrade;
    }

    public LivepatchDriver driver() {
        return driver;
    }

    /**
     * Checks the module (nothing is loaded if it cannot be applied here), journals the operation,
     * loads it and follows its transition, reporting each step to {@code progress}. Returns the
     * operation as journaled at its end.
     */
    public PatchOperation apply(ApplyPatchRequest request, Consumer<PatchProgress> progress) throws InterruptedException {
        if (request.getModulePath().isBlank()) {
            throw new UpgradeException.InvalidArgument("module_path", "required: the livepatch module (.ko) on the daemon's host");
        }
        Path ko;
        try {
            ko = Path.of(request.getModulePath());
        } catch (java.nio.file.InvalidPathException e) {
            throw new UpgradeException.InvalidArgument("module_path", "not a usable path: " + e.getMessage());
        }
        if (!ko.isAbsolute()) {
            throw new UpgradeException.InvalidArgument("module_path", request.getModulePath() + " is relative; give an absolute path");
        }
        if (!Files.exists(ko)) {
            throw new UpgradeException.NotFound("the livepatch module " + ko + " does not exist on this host");
        }
        if (request.getOnFailure() == LivepatchFallback.LIVEPATCH_FALLBACK_UPGRADE && !request.hasFallbackUpgrade()) {
            throw new UpgradeException.InvalidArgument("fallback_upgrade",
                    "required with on_failure LIVEPATCH_FALLBACK_UPGRADE: the full upgrade to run if the livepatch is reversed");
        }
        TransitionPolicy policy = policy(request.getTransition());
        lock();
        try {
            ModuleInfo info = check(ko);
            List<String> enabledBefore = driver.list().stream().filter(PatchStatus::enabled).map(PatchStatus::name).toList();
            PatchOperation op = journal.create(PatchOperation.newBuilder()
                    .setKind(PatchOperationKind.PATCH_APPLY)
                    .setState(PatchOperationState.PATCH_LOADING)
                    .setMessage("loading " + info.name() + " (built for " + info.release() + ")")
                    .setPatch(info.name())
                    .setModulePath(ko.toString())
                    .setModuleRelease(info.release())
                    .setTransition(request.getTransition())
                    .setOnFailure(request.getOnFailure())
                    .setFallbackUpgrade(request.getFallbackUpgrade())
                    .addAllEnabledBefore(enabledBefore));
            progress.accept(PatchProgress.newBuilder().setOperationId(op.getId()).setPatch(info.name())
                    .setPhase(PatchPhase.PHASE_LOADING).setMessage(op.getMessage()).build());
            try {
                driver.load(ko, info);
            } catch (LivepatchException e) {
                return end(journal.transition(op, PatchOperationState.PATCH_FAILED, e.getMessage(), b -> { }), progress);
            }
            op = journal.transition(op, PatchOperationState.PATCH_TRANSITION, "patching: tasks switching to " + info.name(), b -> { });
            return followApply(op, policy, progress);
        } finally {
            running.unlock();
        }
    }

    /** Disables a patch, follows the unpatching and unloads its module; journaled like an apply. */
    public PatchOperation revert(RevertPatchRequest request, Consumer<PatchProgress> progress) throws InterruptedException {
        if (request.getName().isBlank()) {
            throw new UpgradeException.InvalidArgument("name", "required: the livepatch's name (molt patch list)");
        }
        TransitionPolicy policy = policy(request.getTransition());
        lock();
        try {
            String name = request.getName();
            PatchStatus status = driver.list().stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new UpgradeException.NotFound("no livepatch named " + name + " is loaded (molt patch list shows what is)"));
            if (status.transition()) {
                throw new UpgradeException.FailedPrecondition("the livepatch " + name + " is in transition; wait for it to end");
            }
            PatchOperation op = journal.create(PatchOperation.newBuilder()
                    .setKind(PatchOperationKind.PATCH_REVERT)
                    .setState(PatchOperationState.PATCH_TRANSITION)
                    .setMessage("unpatching " + name)
                    .setPatch(name)
                    .setTransition(request.getTransition()));
            progress.accept(PatchProgress.newBuilder().setOperationId(op.getId()).setPatch(name)
                    .setPhase(PatchPhase.PHASE_UNPATCHING).setMessage(op.getMessage()).build());
            return followRevert(op, policy, progress, true);
        } finally {
            running.unlock();
        }
    }

    /** The loaded livepatches, with what Molt's journal knows of each (module file, replace). */
    public List<LivepatchInfo> list() {
        List<PatchOperation> history = journal.list(200);
        return driver.list().stream().map(p -> {
            Optional<PatchOperation> applied = history.stream()
                    .filter(o -> o.getKind() == PatchOperationKind.PATCH_APPLY && o.getPatch().equals(p.name()))
                    .filter(o -> o.getState() == PatchOperationState.PATCH_COMPLETED
                            || o.getState() == PatchOperationState.PATCH_FORCED)
                    .findFirst();
            String replace = p.replace().map(r -> r ? "yes" : "no").orElseGet(() -> applied
                    .map(o -> !o.getReplacedList().isEmpty() ? "yes" : o.getEnabledBeforeCount() > 0 ? "no" : "unknown")
                    .orElse("unknown"));
            LivepatchInfo.Builder info = LivepatchInfo.newBuilder().setName(p.name()).setEnabled(p.enabled())
                    .setTransition(p.transition()).setReplace(replace);
            applied.ifPresent(o -> info.setModulePath(o.getModulePath()));
            for (PatchStatus.PatchObject o : p.objects()) {
                info.addObjects(PatchedObject.newBuilder().setName(o.name()).setPatched(o.patched()).addAllFunctions(o.functions()));
            }
            return info.build();
        }).toList();
    }

    public List<PatchOperation> operations(int limit) {
        return journal.list(limit <= 0 ? 20 : limit);
    }

    /**
     * After a restart: follows the operation the journal says was under way, from where the
     * kernel is now. Runs in the caller's thread; nothing else can start until it ends.
     */
    public Optional<PatchOperation> resumeActive(Consumer<PatchProgress> progress) throws InterruptedException {
        Optional<PatchOperation> active = journal.active();
        if (active.isEmpty()) {
            return Optional.empty();
        }
        running.lock();
        try {
            PatchOperation op = active.get();
            LOG.info("resuming livepatch operation " + op.getId() + " (" + op.getKind() + " " + op.getPatch() + ", journaled "
                    + op.getState() + ")");
            TransitionPolicy policy = policy(op.getTransition());
            boolean present = driver.list().stream().anyMatch(p -> p.name().equals(op.getPatch()));
            if (op.getKind() == PatchOperationKind.PATCH_REVERT) {
                return Optional.of(followRevert(op, policy, progress, present));
            }
            if (!present) {
                // The restart came before the load, or after a reversal freed the patch: nothing
                // of it is live. Its module may still sit loaded, disabled: unload it.
                try {
                    driver.unloadIfLoaded(op.getPatch());
                } catch (LivepatchException e) {
                    LOG.log(Level.WARNING, "could not unload " + op.getPatch(), e);
                }
                return Optional.of(end(journal.transition(op, PatchOperationState.PATCH_FAILED, "the daemon restarted during "
                        + op.getState() + " and the livepatch " + op.getPatch() + " is not loaded now: apply it again", b -> { }),
                        progress));
            }
            PatchOperation transition = op.getState() == PatchOperationState.PATCH_TRANSITION ? op
                    : journal.transition(op, PatchOperationState.PATCH_TRANSITION, "patching", b -> { });
            transition = journal.transition(transition, PatchOperationState.PATCH_TRANSITION, RESUMED, b -> { });
            return Optional.of(followApply(transition, policy, progress));
        } finally {
            running.unlock();
        }
    }

    private PatchOperation followApply(PatchOperation op, TransitionPolicy policy,
            Consumer<PatchProgress> progress) throws InterruptedException {
        TransitionResult result;
        LivepatchDriver.Applied applied;
        try {
            result = driver.follow(op.getPatch(), policy, listener(op.getId(), progress));
            applied = driver.finish(op.getPatch(), new HashSet<>(op.getEnabledBeforeList()), result);
        } catch (LivepatchException | RuntimeException e) {
            LOG.log(Level.WARNING, "following " + op.getPatch() + " failed", e);
            return end(journal.transition(op, PatchOperationState.PATCH_FAILED, String.valueOf(e.getMessage()), b -> { }), progress);
        }
        PatchOperationState state = switch (result.outcome()) {
            case COMPLETED -> PatchOperationState.PATCH_COMPLETED;
            case REVERSED -> PatchOperationState.PATCH_REVERSED;
            case REVERSAL_STUCK -> PatchOperationState.PATCH_REVERSAL_STUCK;
            case FORCED -> PatchOperationState.PATCH_FORCED;
        };
        String message = switch (result.outcome()) {
            case COMPLETED -> op.getPatch() + " is live: every task switched in " + millis(result.elapsed()) + " ms"
                    + (resumed(op) ? " (followed again after a daemon restart)" : "")
                    + (result.nudged() > 0 ? " (" + result.nudged() + " nudged)" : "")
                    + (applied.replaced().isEmpty() ? "" : "; it replaced " + String.join(", ", applied.replaced()));
            case REVERSED -> "the transition of " + op.getPatch() + " did not complete within "
                    + policy.timeout().toSeconds() + " s and was reversed; blocked by " + blockers(result.blockers());
            case REVERSAL_STUCK -> "the transition of " + op.getPatch() + " was reversed at the timeout but the reversal "
                    + "did not complete either; blocked by " + blockers(result.blockers());
            case FORCED -> op.getPatch() + " was forced at the timeout (blocked by " + blockers(result.blockers())
                    + "): its module stays loaded until reboot";
        };
        PatchOperation ended = journal.transition(op, state, message, b -> b
                .addAllBlockers(result.blockers().stream().map(Livepatcher::straggler).toList())
                .addAllReplaced(applied.replaced())
                .addAllWarnings(applied.warnings())
                .setNudged(result.nudged())
                .setTransitionMillis(millis(result.elapsed())));
        if (state == PatchOperationState.PATCH_REVERSED && ended.getOnFailure() == LivepatchFallback.LIVEPATCH_FALLBACK_UPGRADE) {
            try {
                Upgrade upgrade = upgrades.start("livepatch-fallback/" + ended.getId(), ended.getFallbackUpgrade());
                ended = journal.transition(ended, state, ended.getMessage() + "; falling back to the full upgrade "
                        + upgrade.getId(), b -> b.setFallbackUpgradeId(upgrade.getId()));
            } catch (RuntimeException e) {
                ended = journal.transition(ended, state, ended.getMessage() + "; the fallback upgrade could not start: "
                        + e.getMessage(), b -> { });
            }
        }
        return end(ended, progress);
    }

    private PatchOperation followRevert(PatchOperation op, TransitionPolicy policy, Consumer<PatchProgress> progress,
            boolean present) throws InterruptedException {
        try {
            TransitionResult result = present ? driver.revert(op.getPatch(), policy, listener(op.getId(), progress))
                    : driver.unloadIfLoaded(op.getPatch());
            PatchOperationState state = switch (result.outcome()) {
                case COMPLETED -> PatchOperationState.PATCH_COMPLETED;
                case REVERSED -> PatchOperationState.PATCH_REVERSED;
                case REVERSAL_STUCK -> PatchOperationState.PATCH_REVERSAL_STUCK;
                case FORCED -> PatchOperationState.PATCH_FORCED;
            };
            String message = switch (result.outcome()) {
                case COMPLETED -> op.getPatch() + " is reverted and its module unloaded (" + millis(result.elapsed()) + " ms)";
                case REVERSED -> "unpatching " + op.getPatch() + " did not complete within " + policy.timeout().toSeconds()
                        + " s: it was reversed and the patch stays live; blocked by " + blockers(result.blockers());
                case REVERSAL_STUCK -> "unpatching " + op.getPatch() + " and its reversal both stalled; blocked by "
                        + blockers(result.blockers());
                case FORCED -> "unpatching " + op.getPatch() + " was forced: its module stays loaded until reboot";
            };
            return end(journal.transition(op, state, message, b -> b
                    .addAllBlockers(result.blockers().stream().map(Livepatcher::straggler).toList())
                    .setNudged(result.nudged()).setTransitionMillis(millis(result.elapsed()))), progress);
        } catch (LivepatchException | RuntimeException e) {
            // Never leave a journaled operation active behind an unexpected failure: it would
            // block every later one. The message says what happened; the kernel state is as listed.
            LOG.log(Level.WARNING, "revert of " + op.getPatch() + " failed", e);
            return end(journal.transition(op, PatchOperationState.PATCH_FAILED, String.valueOf(e.getMessage()), b -> { }), progress);
        }
    }

    private ModuleInfo check(Path ko) {
        try {
            return driver.check(ko);
        } catch (LivepatchException e) {
            throw LivepatchErrors.toUpgradeException(e);
        }
    }

    private void lock() {
        if (!running.tryLock()) {
            throw new UpgradeException.AlreadyRunning(journal.active().map(PatchOperation::getId).orElse("a livepatch operation"));
        }
        activeUpgrade.get().ifPresent(u -> {
            running.unlock();
            throw new UpgradeException.AlreadyRunning(u.getId());
        });
    }

    /** The message of the TRANSITION record a restarted daemon writes before it follows again. */
    static final String RESUMED = "patching: followed again after a daemon restart";

    private boolean resumed(PatchOperation op) {
        return RESUMED.equals(op.getMessage());
    }

    private static PatchOperation end(PatchOperation op, Consumer<PatchProgress> progress) {
        LOG.info("livepatch " + op.getKind() + " " + op.getPatch() + ": " + op.getState() + ": " + op.getMessage());
        progress.accept(PatchProgress.newBuilder().setOperationId(op.getId()).setPatch(op.getPatch())
                .setPhase(PatchPhase.PHASE_ENDED).setMessage(op.getMessage()).setOperation(op).build());
        return op;
    }

    private static TransitionListener listener(String operationId, Consumer<PatchProgress> progress) {
        return new TransitionListener() {
            @Override
            public void progress(String patch, boolean patching, Duration elapsed, int remaining) {
                progress.accept(PatchProgress.newBuilder().setOperationId(operationId).setPatch(patch)
                        .setPhase(patching ? PatchPhase.PHASE_PATCHING : PatchPhase.PHASE_UNPATCHING)
                        .setTasksRemaining(remaining).setElapsedMillis(millis(elapsed)).build());
            }

            @Override
            public void nudged(String patch, List<Straggler> tasks) {
                LOG.info("livepatch " + patch + ": nudged " + blockers(tasks));
                progress.accept(PatchProgress.newBuilder().setOperationId(operationId).setPatch(patch)
                        .setPhase(PatchPhase.PHASE_NUDGED).setMessage("sent SIGSTOP/SIGCONT to " + blockers(tasks))
                        .addAllStragglers(tasks.stream().map(Livepatcher::straggler).toList()).build());
            }

            @Override
            public void blocked(String patch, List<Straggler> stragglers, boolean forcing) {
                LOG.warning("livepatch " + patch + ": timeout; blocked by " + blockers(stragglers)
                        + (forcing ? "; forcing" : "; reversing"));
                progress.accept(PatchProgress.newBuilder().setOperationId(operationId).setPatch(patch)
                        .setPhase(PatchPhase.PHASE_BLOCKED)
                        .setMessage("timeout: blocked by " + blockers(stragglers) + (forcing ? "; forcing" : "; reversing"))
                        .addAllStragglers(stragglers.stream().map(Livepatcher::straggler).toList()).build());
            }
        };
    }

    static String blockers(List<Straggler> stragglers) {
        return stragglers.isEmpty() ? "no task (the kernel's own work)"
                : String.join("; ", stragglers.stream().map(Straggler::summary).toList());
    }

    static dev.molt.api.v1.Straggler straggler(Straggler s) {
        return dev.molt.api.v1.Straggler.newBuilder().setPid(s.task().tid()).setTgid(s.task().tgid())
                .setComm(s.task().comm()).setState(String.valueOf(s.task().state())).setKthread(s.task().kthread())
                .setStack(s.stack()).build();
    }

    static TransitionPolicy policy(TransitionOptions options) {
        TransitionPolicy policy = TransitionPolicy.defaults();
        if (options.getGraceMillis() < 0 || options.getTimeoutMillis() < 0) {
            throw new UpgradeException.InvalidArgument("transition", "grace and timeout must not be negative");
        }
        if (options.getGraceMillis() > 0) {
            policy = policy.withGrace(Duration.ofMillis(options.getGraceMillis()));
        }
        if (options.getTimeoutMillis() > 0) {
            policy = policy.withTimeout(Duration.ofMillis(options.getTimeoutMillis()));
        }
        if (policy.timeout().compareTo(policy.grace()) < 0) {
            throw new UpgradeException.InvalidArgument("transition", "timeout " + policy.timeout().toMillis()
                    + " ms is shorter than the grace period " + policy.grace().toMillis() + " ms");
        }
        return policy.withForce(options.getForce());
    }

    private static long millis(Duration d) {
        return d.toMillis();
    }
}
