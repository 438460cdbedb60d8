package dev.molt.upgrade;

import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.api.v1.UpgradeWarning;
import dev.molt.scheduler.StopEstimate;
import dev.molt.criu.v1.CriuAdapterGrpc.CriuAdapterBlockingStub;
import dev.molt.criu.v1.DeleteSnapshotRequest;
import dev.molt.criu.v1.DumpProgress;
import dev.molt.criu.v1.DumpRequest;
import dev.molt.criu.v1.RestoreProgress;
import dev.molt.criu.v1.RestoreRequest;
import dev.molt.criu.v1.TcpMode;
import dev.molt.criu.v1.BootRestorePlan;
import dev.molt.criu.v1.PersistSpooledRequest;
import dev.molt.criu.v1.PlanBootRestoreRequest;
import dev.molt.journal.v1.ParkedWorkload;
import dev.molt.journal.v1.ProcessIdentity;
import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.kexec.KernelSwitch;
import dev.molt.kexec.SwitchException;
import dev.molt.kexec.SwitchPlan;
import dev.molt.netlock.BootGuard;
import dev.molt.netlock.NetworkLock;
import dev.molt.netlock.TcpSockets;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs upgrades: plan, start, cancel, and the steps from preflight to the switch; after a restart
 * {@link #resumeActive()} hands the active upgrade to {@link Resumption}'s table.
 *
 * <p>One upgrade at a time per host. Every step is journaled before it acts (see
 * {@link UpgradeState}); each failure before the switch ends in ABORTED with the old tree thawed.
 */
public final class Upgrader {
    private static final Logger LOG = Logger.getLogger(Upgrader.class.getName());
    static final Duration FREEZE_TIMEOUT = Duration.ofSeconds(30);

    private final UpgradeJournal journal;
    private final EventHub hub;
    private final Workloads workloads;
    private final CriuAdapterBlockingStub criu;
    private final Preflight preflight;
    private final KernelSwitches switches;
    private final NetworkLock networkLock;
    private final CrashPoints crash;
    private final Clock clock;
    private final ExecutorService executor;
    private volatile String cancelRequested;
    /** Warnings raised since the last journaled state: the next state's event carries them. */
    private final java.util.concurrent.ConcurrentLinkedQueue<UpgradeWarning> pendingWarnings = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The stop estimate of the running upgrade (null: not read yet). */
    private volatile StopEstimate estimate;
    /** The running upgrade's newest record: what a switch built before parking reads at execute. */
    private final java.util.concurrent.atomic.AtomicReference<UpgradeRecord> latest = new java.util.concurrent.atomic.AtomicReference<>();

    public Upgrader(UpgradeJournal journal, EventHub hub, Workloads workloads, CriuAdapterBlockingStub criu,
            Preflight preflight, KernelSwitches switches, NetworkLock networkLock, CrashPoints crash, Clock clock,
            ExecutorService executor) {
        this.journal = journal;
        this.hub = hub;
        this.workloads = workloads;
        this.criu = criu;
        this.preflight = preflight;
        this.switches = switches;
        this.networkLock = networkLock;
        this.crash = crash;
        this.clock = clock;
        this.executor = executor;
    }

    public UpgradePlan plan(UpgradeSpec spec) {
        return preflight.plan(spec);
    }

    /** Starts an upgrade in the background; idempotent on the request id. */
    public Upgrade start(String requestId, UpgradeSpec spec) {
        return start(requestId, spec, ParkGuard.NONE);
    }

    /**
     * Starts an upgrade whose {@code guard} is asked right before parking (a scheduled upgrade's
     * blockers and window); an objection aborts it there. Idempotent on the request id.
     */
    public synchronized Upgrade start(String requestId, UpgradeSpec spec, ParkGuard guard) {
        if (requestId.isBlank() || requestId.length() > 128) {
            throw new UpgradeException.InvalidArgument("request_id", "required, at most 128 characters");
        }
        Optional<String> earlier = journal.byRequestId(requestId);
        if (earlier.isPresent()) {
            return get(earlier.get());
        }
        Preflight.validate(spec);
        Optional<String> active = journal.active();
        if (active.isPresent()) {
            throw new UpgradeException.AlreadyRunning(active.get());
        }
        // What does not exist is refused before anything is journaled: an unknown workload or
        // kernel file is the caller's mistake, not an upgrade that failed.
        for (Workload w : spec.getWorkloadsList()) {
            workloads.resolve(w);
        }
        if (spec.getSwitchMethod() == dev.molt.api.v1.SwitchMethod.SWITCH_METHOD_KEXEC) {
            requireFile("spec.target.kernel_path", spec.getTarget().getKernelPath());
            requireFile("spec.target.initrd_path", spec.getTarget().getInitrdPath());
        }
        estimate = null;
        pendingWarnings.clear();
        UpgradeRecord record = journal.create(requestId, spec, HostInfo.bootId(), HostInfo.kernelRelease());
        publish(record);
        latest.set(record);
        cancelRequested = null;
        executor.execute(() -> run(record, guard));
        return record.getEvent().getUpgrade();
    }

    private static void requireFile(String field, String path) {
        if (!java.nio.file.Files.isRegularFile(Path.of(path))) {
            throw new UpgradeException.NotFound("file", path, field + ": no file " + path);
        }
    }

    /** The upgrade a request id started, if any. */
    public Optional<Upgrade> byRequestId(String requestId) {
        return journal.byRequestId(requestId).map(this::get);
    }

    public Upgrade get(String upgradeId) {
        return journal.last(upgradeId)
                .orElseThrow(() -> new UpgradeException.NotFound("upgrade", upgradeId, "no upgrade " + upgradeId))
                .getEvent().getUpgrade();
    }

    public List<Upgrade> list(int limit) {
        return journal.list(limit <= 0 ? 50 : limit);
    }

    public Optional<Upgrade> active() {
        return journal.active().map(this::get);
    }

    public List<UpgradeEvent> journaledEvents(String upgradeId, long afterSequence) {
        get(upgradeId);
        return journal.events(upgradeId, afterSequence);
    }

    /** Asks a running upgrade to abort at its next step before the switch. */
    public Upgrade cancel(String upgradeId, String reason) {
        Upgrade upgrade = get(upgradeId);
        UpgradeState state = UpgradeState.fromProto(upgrade.getState(), upgrade.getReason());
        if (state.isFinal()) {
            throw new UpgradeException.FailedPrecondition("STATE", "upgrade/" + upgradeId,
                    "upgrade " + upgradeId + " is already " + state.label() + ": there is nothing to cancel");
        }
        if (!beforeSwitch(state)) {
            throw new UpgradeException.FailedPrecondition("STATE", "upgrade/" + upgradeId, "upgrade " + upgradeId + " is " + state.label()
                    + ": after the switch the snapshot is the workloads' only copy, so it cannot be cancelled");
        }
        cancelRequested = reason.isBlank() ? "cancelled by the operator" : "cancelled: " + reason;
        return upgrade;
    }

    /** At daemon start: resumes the active upgrade, if any, from its last journaled state. */
    public void resumeActive() {
        journal.active().flatMap(journal::last).ifPresent(record -> {
            latest.set(record);
            executor.execute(() -> resumption().resume(record));
        });
    }

    Resumption resumption() {
        return new Resumption(this);
    }

    static boolean beforeSwitch(UpgradeState state) {
        return switch (state) {
            case UpgradeState.Planned p -> true;
            case UpgradeState.Preflight p -> true;
            case UpgradeState.Parking p -> true;
            case UpgradeState.Dumping d -> true;
            case UpgradeState.Persisted p -> true;
            default -> false;
        };
    }

    // ---- the steps up to the switch ----

    private void run(UpgradeRecord planned, ParkGuard guard) {
        UpgradeRecord record = planned;
        KernelSwitch kernelSwitch = null;
        // PLANNED was journaled by start(); its action is all that follows.
        crash.reached(new UpgradeState.Planned());
        try {
            UpgradeSpec spec = spec(record);
            record = step(record, new UpgradeState.Preflight(), "running preflight checks", b -> {});
            UpgradePlan plan = preflight.plan(spec);
            if (!plan.getOk()) {
                abortBeforeSwitch(record, "preflight failed: " + failedChecks(plan), null);
                return;
            }
            if (spec.getSwitchMethod() == dev.molt.api.v1.SwitchMethod.SWITCH_METHOD_KEXEC) {
                // Chosen before anything is parked: a target no installed CRIU restores on was
                // refused by the preflight above, and the choice is journaled for the boot's restore.
                Optional<Preflight.CriuPair> criuPair = preflight.criuFor(spec);
                record = edit(record, b -> {
                    Rollback.recordWayBack(b);
                    criuPair.ifPresent(p -> b.setDumpCriu(p.dumping()).setRestoreCriu(p.restoring()));
                });
                criuPair.ifPresent(p -> LOG.info("CRIU: dumps with " + p.dumping().getVersion() + " at " + p.dumping().getPath()
                        + ", restores with " + p.restoring().getReason()));
            }
            kernelSwitch = switchFor(record);
            kernelSwitch.prepare(switchPlan(spec));
            checkCancelled();
            Optional<String> objection = guard.objection();
            if (objection.isPresent()) {
                throw new Cancelled("stopped right before parking: " + objection.get());
            }

            record = park(record, spec);
            checkCancelled();
            record = dump(record, spec);
            checkCancelled();

            record = step(record, new UpgradeState.Switching(), "switching kernels with " + kernelSwitch.name(), b -> b
                    .setBootIdAtSwitch(HostInfo.bootId())
                    .putMarks(StopReports.SWITCH_START, clock.millis()));
            if (spec.getSwitchMethod() == dev.molt.api.v1.SwitchMethod.SWITCH_METHOD_KEXEC) {
                guardNextBoot(record);
            }
            ConsoleEvents.emit("switch", "upgrade=" + id(record) + " with=" + kernelSwitch.name());
            kernelSwitch.execute();
            // A switch that returns has not replaced this process (kexec does not return, the restart
            // switch ends it): restore in place, exactly as a restarted daemon would.
            resumption().resume(record);
        } catch (Cancelled c) {
            abortBeforeSwitch(newest(record), c.getMessage(), kernelSwitch);
        } catch (RuntimeException | SwitchException e) {
            // The step that failed may have journaled its state (and its parked workloads) before
            // failing: undo from that record, not from the one this method saw last.
            record = newest(record);
            LOG.log(Level.WARNING, "upgrade " + id(record) + " failed in " + state(record).label(), e);
            if (beforeSwitch(state(record))) {
                abortBeforeSwitch(record, state(record).label() + " failed: " + message(e), kernelSwitch);
            } else {
                resumption().resume(record);
            }
        }
    }

    /** The newest journaled record of {@code record}'s upgrade: {@link #step} and {@link #edit} keep it. */
    private UpgradeRecord newest(UpgradeRecord record) {
        UpgradeRecord newest = latest.get();
        return newest != null && id(newest).equals(id(record))
                && newest.getEvent().getSequence() > record.getEvent().getSequence() ? newest : record;
    }

    private UpgradeRecord park(UpgradeRecord record, UpgradeSpec spec) {
        List<Workloads.Target> targets = new ArrayList<>();
        for (Workload w : spec.getWorkloadsList()) {
            targets.add(workloads.prepareCgroup(workloads.resolve(w)));
        }
        String upgradeId = id(record);
        String table = "molt-" + upgradeId;
        long parkStart = clock.millis();
        ConsoleEvents.emit("park-start", "upgrade=" + upgradeId);
        record = step(record, new UpgradeState.Parking(), "parking " + targets.size() + " workloads", b -> {
            b.clearWorkloads().setNetworkLockTable(table).putMarks(StopReports.PARK_START, parkStart);
            for (int i = 0; i < targets.size(); i++) {
                Workloads.Target t = targets.get(i);
                ParkedWorkload.Builder pw = ParkedWorkload.newBuilder()
                        .setName(t.name())
                        .setCgroupDir(t.cgroupDir().toString())
                        .setOwnCgroup(t.ownCgroup())
                        .setRootPid(t.rootPid())
                        .setSnapshotId(upgradeId + "-" + i);
                for (long pid : t.pids()) {
                    pw.addProcesses(ProcessIdentity.newBuilder().setPid(pid).setStartTime(HostInfo.startTime(pid)));
                }
                b.addWorkloads(pw);
            }
        });
        List<Long> pids = targets.stream().flatMap(t -> t.pids().stream()).toList();
        try {
            networkLock.lock(table, TcpSockets.heldBy(pids));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot lock the workloads' TCP connections: " + e.getMessage(), e);
        }
        for (Workloads.Target t : targets) {
            workloads.freeze(t.cgroupDir(), FREEZE_TIMEOUT);
        }
        long parked = clock.millis();
        return edit(record, b -> b.putMarks(StopReports.PARKED, parked));
    }

    private UpgradeRecord dump(UpgradeRecord record, UpgradeSpec spec) {
        record = step(record, new UpgradeState.Dumping(), "checkpointing with CRIU into the snapshot store", b -> {});
        long dumpMillis = 0;
        long persistMillis = 0;
        long imageBytes = 0;
        long storedBytes = 0;
        List<String> snapshotIds = new ArrayList<>();
        for (int index = 0; index < record.getWorkloadsCount(); index++) {
            ParkedWorkload w = record.getWorkloads(index);
            DumpRequest request = DumpRequest.newBuilder()
                    .setPid((int) w.getRootPid())
                    .setSnapshotId(w.getSnapshotId())
                    .setLeaveRunning(true)
                    .setFreezeCgroup(w.getCgroupDir())
                    .setExternalNetworkLock(true)
                    // Image files with checksums, synced, on the persistent disk: restorable by the
                    // next boot before a JVM runs; they enter the store after the unpark.
                    .setSpool(true)
                    .setTcp(spec.getTcpEstablished() ? TcpMode.TCP_MODE_ESTABLISHED : TcpMode.TCP_MODE_REFUSE)
                    .putLabels("upgrade", id(record))
                    .putLabels("workload", w.getName())
                    .putLabels("kernel", HostInfo.kernelRelease())
                    .build();
            Iterator<DumpProgress> progress = criu.withDeadlineAfter(30, TimeUnit.MINUTES).dump(request);
            DumpProgress last = null;
            while (progress.hasNext()) {
                last = progress.next();
                publishProgress(record, "dump", index, "dump " + w.getName() + ": " + last.getPhase(), last.getBytesDone(), last.getBytesTotal());
            }
            if (last == null || !last.hasSnapshot()) {
                throw new IllegalStateException("the criu-adapter ended the dump of " + w.getName() + " without a snapshot");
            }
            dumpMillis += last.getCriuMillis();
            persistMillis += last.getPersistMillis();
            imageBytes += last.getSnapshot().getImageBytes();
            storedBytes += last.getSnapshot().getStoredBytes();
            snapshotIds.add(last.getSnapshot().getId());
        }
        long dumpTotal = dumpMillis;
        long persistTotal = persistMillis;
        long images = imageBytes;
        long stored = storedBytes;
        return step(record, new UpgradeState.Persisted(), "snapshots committed: " + String.join(", ", snapshotIds), b -> {
            b.getEventBuilder().getUpgradeBuilder().clearSnapshotIds().addAllSnapshotIds(snapshotIds);
            b.putMarks(StopReports.DUMP_MILLIS, dumpTotal)
                    .putMarks(StopReports.PERSIST_MILLIS, persistTotal)
                    .putMarks(StopReports.IMAGE_BYTES, images)
                    .putMarks(StopReports.STORED_BYTES, stored);
        });
    }

    /**
     * After the unpark, outside the stop: the spooled snapshots go into the store, where they stay
     * for `molt snapshot restore`. A failure leaves a snapshot spooled (still listed, restorable).
     */
    void persistSpooled(UpgradeRecord record) {
        for (ParkedWorkload w : record.getWorkloadsList()) {
            try {
                criu.withDeadlineAfter(30, TimeUnit.MINUTES)
                        .persistSpooled(PersistSpooledRequest.newBuilder().setSnapshotId(w.getSnapshotId()).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) {
                    warn("PERSIST_FAILED", w.getSnapshotId(), "snapshot " + w.getSnapshotId() + " of " + w.getName()
                            + " stays in the spool, not the store (" + message(e) + "): the workload runs; molt snapshot list shows it");
                }
            }
        }
    }

    /**
     * Ends an upgrade before the switch: the old trees are the truth. Thaw them, lift the network
     * lock, drop the snapshots this upgrade wrote, unload the kernel. Each undo step is attempted
     * even when an earlier one fails; the workloads' thaw comes first.
     */
    void abortBeforeSwitch(UpgradeRecord record, String reason, KernelSwitch kernelSwitch) {
        List<String> problems = new ArrayList<>();
        for (ParkedWorkload w : record.getWorkloadsList()) {
            attempt(problems, "thaw " + w.getCgroupDir(), () -> workloads.thaw(Path.of(w.getCgroupDir())));
        }
        attempt(problems, "unlock the network", () -> unlockNetwork(record));
        for (ParkedWorkload w : record.getWorkloadsList()) {
            attempt(problems, "delete snapshot " + w.getSnapshotId(), () -> deleteSnapshot(w.getSnapshotId()));
        }
        if (kernelSwitch != null) {
            attempt(problems, "unload the kernel", kernelSwitch::cancel);
        }
        String full = problems.isEmpty() ? reason : reason + " (while aborting: " + String.join("; ", problems) + ")";
        step(record, new UpgradeState.Aborted(full), "aborted, workloads running on the old kernel: " + full, b -> {});
    }

    /**
     * The CRIU chosen to restore on {@code kernel} what this upgrade dumped; empty when there is no
     * catalog or none suits (then the adapter's own CRIU is planned, and a failure there is a failed restore).
     */
    Optional<dev.molt.journal.v1.CriuChoice> restoringCriuOn(String kernel, UpgradeRecord record) {
        CriuChoices choices = preflight.criuChoices();
        if (choices == null) {
            return Optional.empty();
        }
        try {
            return switch (choices.restoring(kernel, record.getDumpCriu())) {
                case dev.molt.criu.CriuCatalog.Selection.Chosen c -> Optional.of(CriuChoices.toProto(c));
                case dev.molt.criu.CriuCatalog.Selection.NoneSuitable n -> {
                    warn("NO_SUITABLE_CRIU", kernel, n.message());
                    yield Optional.empty();
                }
            };
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot choose a CRIU for " + kernel, e);
            return Optional.empty();
        }
    }

    /** The next kernel keeps the lock and the pids until moltd restores (see NetworkLock#guardNextBoot). */
    void guardNextBoot(UpgradeRecord record) {
        try {
            networkLock.guardNextBoot(id(record), record.getNetworkLockTable(), parkedPids(record), bootRestores(record));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write the boot guard for the next kernel: " + e.getMessage(), e);
        }
    }

    /**
     * The boot hook's restore of each workload, planned by the adapter now, while a plan can still
     * fail harmlessly. Any workload without a plan leaves all of them to moltd.
     */
    private List<BootGuard.BootRestore> bootRestores(UpgradeRecord record) {
        List<BootGuard.BootRestore> restores = new ArrayList<>();
        for (ParkedWorkload w : record.getWorkloadsList()) {
            try {
                // The restoring CRIU journaled for the kernel that boots next (empty: the adapter's).
                BootRestorePlan plan = criu.withDeadlineAfter(60, TimeUnit.SECONDS).planBootRestore(PlanBootRestoreRequest.newBuilder()
                        .setSnapshotId(w.getSnapshotId())
                        .setTcp(spec(record).getTcpEstablished() ? TcpMode.TCP_MODE_ESTABLISHED : TcpMode.TCP_MODE_REFUSE)
                        .setCriuPath(record.getRestoreCriu().getPath())
                        .build());
                restores.add(new BootGuard.BootRestore(w.getSnapshotId(), plan.getArgvList(), plan.getImagesDir(),
                        plan.getChecksumsFile(), plan.getPidfile(), plan.getLogFile(), w.getCgroupDir(),
                        CriuChoices.waitsForSeed(record.getRestoreCriu())));
            } catch (StatusRuntimeException e) {
                warn("BOOT_RESTORE_UNPLANNED", w.getName(), "no restore at boot for " + w.getName() + " (" + message(e)
                        + "): moltd restores it after the switch, once it has started (a longer stop)");
                return List.of();
            }
        }
        return restores;
    }

    CriuChoices criuChoices() {
        return preflight.criuChoices();
    }

    NetworkLock networkLock() {
        return networkLock;
    }

    void unlockNetwork(UpgradeRecord record) {
        try {
            networkLock.unlock(record.getNetworkLockTable());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private void deleteSnapshot(String snapshotId) {
        try {
            criu.withDeadlineAfter(60, TimeUnit.SECONDS).deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshotId).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != io.grpc.Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    // ---- used by Resumption ----

    Workloads workloads() {
        return workloads;
    }

    /** Restores one workload; returns the adapter's last message (pid, export and CRIU millis). */
    RestoreProgress restore(UpgradeRecord record, ParkedWorkload w, boolean requirePidsFree) {
        RestoreRequest.Builder request = RestoreRequest.newBuilder()
                .setSnapshotId(w.getSnapshotId())
                .setTcp(spec(record).getTcpEstablished() ? TcpMode.TCP_MODE_ESTABLISHED : TcpMode.TCP_MODE_REFUSE);
        if (requirePidsFree) {
            w.getProcessesList().forEach(p -> request.addExpectedPids((int) p.getPid()));
        }
        Iterator<RestoreProgress> progress = criu.withDeadlineAfter(30, TimeUnit.MINUTES).restore(request.build());
        RestoreProgress last = null;
        while (progress.hasNext()) {
            last = progress.next();
            publishProgress(record, "restore", record.getWorkloadsList().indexOf(w), "restore " + w.getName() + ": " + last.getPhase(),
                    last.getBytesDone(), last.getBytesTotal());
        }
        if (last == null || last.getPid() <= 0) {
            throw new IllegalStateException("the criu-adapter ended the restore of " + w.getName() + " without a pid");
        }
        LOG.info("restored " + w.getName() + " as pid " + last.getPid() + ": snapshot export and check "
                + last.getVerifyMillis() + " ms, CRIU " + last.getCriuMillis() + " ms");
        return last;
    }

    Clock clock() {
        return clock;
    }

    KernelSwitch switchFor(UpgradeRecord record) {
        latest.compareAndSet(null, record);
        return switches.forUpgrade(spec(record), () -> parkedPids(latest.get()));
    }

    static List<Long> parkedPids(UpgradeRecord record) {
        List<Long> pids = new ArrayList<>();
        for (ParkedWorkload w : record.getWorkloadsList()) {
            for (ProcessIdentity p : w.getProcessesList()) {
                pids.add(p.getPid());
            }
        }
        return pids;
    }

    UpgradeRecord step(UpgradeRecord record, UpgradeState next, String message, Consumer<UpgradeRecord.Builder> edit) {
        List<UpgradeWarning> warnings = drainWarnings();
        long now = clock.millis();
        UpgradeRecord written = journal.transition(record, next, message, edit.andThen(b -> {
            EventFields.stopSoFar(b.getEventBuilder(), b.getMarksMap(), next.isFinal(), now, estimate());
            EventFields.warnings(b.getEventBuilder(), warnings);
        }));
        latest.set(written);
        publish(written);
        crash.reached(next);
        return written;
    }

    /** Changes the record without a new state: journaled (synced) under the current state. */
    UpgradeRecord edit(UpgradeRecord record, Consumer<UpgradeRecord.Builder> edit) {
        UpgradeRecord written = journal.transition(record, state(record), record.getEvent().getMessage(), edit);
        latest.set(written);
        return written;
    }

    private void publish(UpgradeRecord record) {
        hub.publish(record.getEvent());
    }

    /**
     * A live event within the current state: workload {@code index} of the record's workloads is
     * in {@code phase}; not journaled (its sequence is its state's).
     */
    private void publishProgress(UpgradeRecord record, String phase, int index, String message, long done, long total) {
        long now = clock.millis();
        UpgradeEvent.Builder event = record.getEvent().toBuilder()
                .setKind(UpgradeEvent.Kind.PROGRESS)
                .setPhase(phase)
                .setWorkload(record.getWorkloads(index).getName())
                .setTasksDone(index)
                .setTasksTotal(record.getWorkloadsCount())
                .setAtMillis(now)
                .setMessage(message)
                .setBytesDone(done)
                .setBytesTotal(total)
                .clearWarnings()
                .clearTypedWarnings()
                .clearUpgrade();
        EventFields.stopSoFar(event, record.getMarksMap(), false, now, estimate());
        hub.publish(event.build());
    }

    /**
     * Something the operator should know that does not stop the upgrade: logged now, and carried
     * by the next journaled state's event (so a client that reconnects sees it too).
     */
    void warn(String code, String subject, String message) {
        LOG.warning(message);
        pendingWarnings.add(UpgradeWarning.newBuilder().setCode(code).setSubject(subject).setMessage(message).build());
    }

    private List<UpgradeWarning> drainWarnings() {
        List<UpgradeWarning> drained = new ArrayList<>();
        UpgradeWarning w;
        while ((w = pendingWarnings.poll()) != null) {
            drained.add(w);
        }
        return drained;
    }

    /** This host's stop estimate from its past upgrades, read once per upgrade run. */
    private StopEstimate estimate() {
        StopEstimate e = estimate;
        if (e == null) {
            // The running upgrade is not DONE yet: the estimate is of the ones before it.
            e = StopEstimate.from(journal.list(50));
            estimate = e;
        }
        return e;
    }

    private void checkCancelled() {
        String reason = cancelRequested;
        if (reason != null) {
            cancelRequested = null;
            throw new Cancelled(reason);
        }
    }

    static UpgradeSpec spec(UpgradeRecord record) {
        return record.getEvent().getUpgrade().getSpec();
    }

    static String id(UpgradeRecord record) {
        return record.getEvent().getUpgradeId();
    }

    static UpgradeState state(UpgradeRecord record) {
        return UpgradeState.fromProto(record.getEvent().getState(), record.getEvent().getUpgrade().getReason());
    }

    static SwitchPlan switchPlan(UpgradeSpec spec) {
        var t = spec.getTarget();
        if (spec.getSwitchMethod() != dev.molt.api.v1.SwitchMethod.SWITCH_METHOD_KEXEC) {
            return SwitchPlan.keepRunningKernel();
        }
        return new SwitchPlan(Path.of(t.getKernelPath()),
                t.getInitrdPath().isEmpty() ? null : Path.of(t.getInitrdPath()), t.getCmdline());
    }

    private static String failedChecks(UpgradePlan plan) {
        return String.join("; ", plan.getChecksList().stream()
                .filter(c -> !c.getOk())
                .map(c -> c.getName() + ": " + c.getDetail())
                .toList());
    }

    static String message(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s.getStatus().getCode() + ": " + s.getStatus().getDescription();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    interface Action {
        void run() throws Exception;
    }

    static void attempt(List<String> problems, String what, Action action) {
        try {
            action.run();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "could not " + what, e);
            problems.add("could not " + what + ": " + message(e));
        }
    }

    private static final class Cancelled extends RuntimeException {
        Cancelled(String message) {
            super(message);
        }
    }
}
