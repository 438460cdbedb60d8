package dev.molt.criu.service;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import com.google.common.base.Stopwatch;
import com.google.common.base.Ticker;
import dev.molt.criu.Criu;
import dev.molt.criu.CriuVersion;
import dev.molt.criu.DumpResult;
import dev.molt.criu.DumpSpec;
import dev.molt.criu.NotifyHandler;
import dev.molt.criu.ProcessTable;
import dev.molt.criu.RestoreSpec;
import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CheckResponse;
import dev.molt.criu.v1.CriuAdapterGrpc;
import dev.molt.criu.v1.DeleteSnapshotRequest;
import dev.molt.criu.v1.DeleteSnapshotResponse;
import dev.molt.criu.v1.DumpProgress;
import dev.molt.criu.v1.DumpRequest;
import dev.molt.criu.v1.ListSnapshotsRequest;
import dev.molt.criu.v1.ListSnapshotsResponse;
import dev.molt.criu.v1.RestoreProgress;
import dev.molt.criu.v1.RestoreRequest;
import dev.molt.criu.v1.BootRestorePlan;
import dev.molt.criu.v1.PersistSpooledRequest;
import dev.molt.criu.v1.PlanBootRestoreRequest;
import dev.molt.criu.v1.SnapshotInfo;
import dev.molt.criu.v1.TcpMode;
import dev.molt.criu.v1.VerifySnapshotRequest;
import dev.molt.criu.v1.VerifySnapshotResponse;
import dev.molt.snapshot.SnapshotSpool;
import dev.molt.snapshot.SnapshotStore;
import dev.molt.snapshot.SnapshotWriter;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The criu-adapter's gRPC service: validates a request, drives CRIU through {@link Criu}, and
 * moves images between a staging directory and the {@link SnapshotStore}. Failures become Status
 * codes in {@link StatusMapper} only. Blocking: run it on an executor that may block (virtual
 * threads), or {@code directExecutor()} in-process.
 */
public final class CriuAdapterService extends CriuAdapterGrpc.CriuAdapterImplBase {

    private static final System.Logger LOG = System.getLogger(CriuAdapterService.class.getName());

    /** The snapshot store's rule for ids, checked here so a bad id fails before anything is frozen. */
    private static final Pattern SNAPSHOT_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** Progress messages are sent at most once per this many bytes moved (and at the end). */
    static final long PROGRESS_STEP_BYTES = 16L << 20;

    private final Criu criu;
    private final SnapshotStore store;
    private final StagingArea staging;
    private final SnapshotSpool spool;
    private final Ticker ticker;

    /**
     * @param staging where images are written between CRIU and the store; on the same file system
     *     as nothing in particular, but with room for the largest tree's images
     */
    public CriuAdapterService(Criu criu, SnapshotStore store, Path staging) {
        this(criu, store, staging, Ticker.systemTicker());
    }

    public CriuAdapterService(Criu criu, SnapshotStore store, Path staging, Ticker ticker) {
        this.criu = Objects.requireNonNull(criu, "criu");
        this.store = Objects.requireNonNull(store, "store");
        this.staging = new StagingArea(Objects.requireNonNull(staging, "staging"));
        // Inside the staging root: the images are moved, not copied, into the spool.
        this.spool = new SnapshotSpool(staging.resolve("spool"));
        try {
            int partial = spool.deletePartials();
            if (partial > 0) {
                LOG.log(Level.INFO, "removed " + partial + " spooled snapshot(s) cut short by a crash from " + spool.root());
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot clean up " + spool.root() + ": " + e.getMessage());
        }
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> responses) {
        ProgressStream<CheckResponse> out = new ProgressStream<>(responses, "Check");
        try {
            CriuVersion version = criu.version();
            CheckResponse.Builder answer = CheckResponse.newBuilder()
                    .setCriuVersion(version.toString())
                    .setCriuVersionCode(version.code())
                    .setCriuPath(criu.binary().toString())
                    .addAllFeatures(criu.usableFeatures());
            if (request.getFull()) {
                StagingArea.Staged staged = staging.create("check");
                try {
                    Criu.KernelCheck kernel = criu.checkKernel(staged.work());
                    answer.setKernelOk(kernel.ok()).setKernelProblems(kernel.problems());
                } finally {
                    deleteQuietly(staged);
                }
            }
            out.send(answer.build());
            out.complete();
        } catch (Exception e) {
            out.fail(e);
        }
    }

    @Override
    public void dump(DumpRequest request, StreamObserver<DumpProgress> responses) {
        ProgressStream<DumpProgress> out = new ProgressStream<>(responses, "Dump");
        try {
            DumpPlan plan = DumpPlan.validate(request);
            if (!ProcessTable.exists(plan.pid())) {
                throw new AdapterException.NotFound("pid " + plan.pid() + " does not exist");
            }
            if (plan.persist() && (store.manifest(plan.snapshotId()).isPresent() || spool.find(plan.snapshotId()).isPresent())) {
                throw new AdapterException.AlreadyExists("snapshot " + plan.snapshotId()
                        + " exists already; pick another snapshot_id or delete that snapshot first");
            }
            dump(plan, out);
        } catch (Exception e) {
            out.fail(e);
        }
    }

    private void dump(DumpPlan plan, ProgressStream<DumpProgress> out) throws Exception {
        // Read before CRIU runs: afterwards the tree may be gone.
        List<Integer> pids = ProcessTable.read().tree(plan.pid());
        StagingArea.Staged staged = staging.create(plan.persist() ? plan.snapshotId() : "dry-check-" + plan.pid());
        boolean keep = plan.keepImages();
        try {
            out.send(DumpProgress.newBuilder().setPhase("dumping").build());
            Stopwatch criuTime = Stopwatch.createStarted(ticker);
            DumpResult dumped = criu.dump(new DumpSpec(plan.pid(), staged.images(), staged.work(),
                    plan.tcpEstablished(), plan.leaveRunning(), plan.freezeCgroup(), NotifyHandler.ACCEPT_ALL,
                    plan.externalNetworkLock()));
            long criuMillis = criuTime.elapsed(MILLISECONDS);
            long imageBytes = sizeOf(staged.images());
            String keptAt = keep && !plan.spool() ? staged.images().toString() : "";
            if (!plan.persist()) {
                out.send(DumpProgress.newBuilder()
                        .setPhase("checked")
                        .setBytesTotal(imageBytes)
                        .setCriuMillis(criuMillis)
                        .setImagesDir(keptAt)
                        .build());
                out.complete();
                return;
            }
            Stopwatch persistTime = Stopwatch.createStarted(ticker);
            SnapshotStore.Manifest manifest;
            try {
                manifest = plan.spool()
                        ? spool(plan, pids, dumped, staged.images())
                        : persist(plan, pids, dumped, staged.images(), imageBytes, out);
            } catch (Exception e) {
                if (plan.leaveRunning()) {
                    throw e;
                }
                // CRIU has killed the tree: these images are all that is left of it.
                keep = true;
                throw StatusMapper.toStatus(e).augmentDescription("the tree was dumped and has exited; its images are"
                        + " kept at " + staged.images() + ": restore them with `criu restore -D " + staged.images()
                        + "` or persist them again").asException();
            }
            if (plan.spool()) {
                keptAt = spool.find(plan.snapshotId()).map(sp -> sp.images().toString()).orElse("");
            }
            out.send(DumpProgress.newBuilder()
                    .setPhase(plan.spool() ? "spooled" : "committed")
                    .setBytesDone(manifest.imageBytes())
                    .setBytesTotal(manifest.imageBytes())
                    .setSnapshot(SnapshotLabels.info(manifest).toBuilder().setSpooled(plan.spool()))
                    .setCriuMillis(criuMillis)
                    .setPersistMillis(persistTime.elapsed(MILLISECONDS))
                    .setImagesDir(keptAt)
                    .build());
            out.complete();
        } finally {
            if (!keep) {
                deleteQuietly(staged);
            }
        }
    }

    private SnapshotStore.Manifest spool(DumpPlan plan, List<Integer> pids, DumpResult dumped, Path images)
            throws IOException {
        Optional<String> lockTable = plan.leaveRunning() ? Optional.empty() : dumped.networkLockTable();
        return spool.spool(plan.snapshotId(),
                SnapshotLabels.of(plan.labels(), plan.pid(), pids, plan.tcpEstablished(), lockTable),
                images, System.currentTimeMillis()).manifest();
    }

    private SnapshotStore.Manifest persist(
            DumpPlan plan, List<Integer> pids, DumpResult dumped, Path images, long imageBytes,
            ProgressStream<DumpProgress> out) throws IOException {
        // With leave_running CRIU removed its lock table already: only a dump that ended the tree
        // leaves one.
        Optional<String> lockTable = plan.leaveRunning() ? Optional.empty() : dumped.networkLockTable();
        try (SnapshotWriter writer = store.begin(plan.snapshotId(),
                SnapshotLabels.of(plan.labels(), plan.pid(), pids, plan.tcpEstablished(), lockTable))) {
            out.send(DumpProgress.newBuilder().setPhase("persisting").setBytesTotal(imageBytes).build());
            writer.addDirectory(images, throttled((done, total) -> out.send(DumpProgress.newBuilder()
                    .setPhase("persisting")
                    .setBytesDone(done)
                    .setBytesTotal(total)
                    .build())));
            return writer.commit();
        }
    }

    @Override
    public void restore(RestoreRequest request, StreamObserver<RestoreProgress> responses) {
        ProgressStream<RestoreProgress> out = new ProgressStream<>(responses, "Restore");
        try {
            String id = request.getSnapshotId();
            if (id.isEmpty()) {
                throw new AdapterException.InvalidArgument("snapshot_id", "required: the snapshot to restore");
            }
            for (int pid : request.getExpectedPidsList()) {
                if (pid <= 0) {
                    throw new AdapterException.InvalidArgument("expected_pids", "pids are > 0, got " + pid);
                }
            }
            Optional<SnapshotSpool.Spooled> spooled = store.manifest(id).isPresent() ? Optional.empty() : spool.find(id);
            SnapshotStore.Manifest manifest = store.manifest(id).or(() -> spooled.map(SnapshotSpool.Spooled::manifest))
                    .orElseThrow(() -> new AdapterException.NotFound(
                            "no snapshot " + id + "; ListSnapshots shows those that exist"));
            boolean tcp = switch (request.getTcp()) {
                case TCP_MODE_UNSPECIFIED -> SnapshotLabels.tcpEstablished(manifest);
                case TCP_MODE_ESTABLISHED -> true;
                case TCP_MODE_REFUSE -> false;
                case UNRECOGNIZED -> throw new AdapterException.InvalidArgument(
                        "tcp", "unknown mode " + request.getTcpValue());
            };
            for (int pid : request.getExpectedPidsList()) {
                Optional<ProcessTable.Proc> holder = ProcessTable.stat(pid);
                if (holder.isPresent()) {
                    throw new AdapterException.PidTaken(pid, describe(holder.get()));
                }
            }
            if (spooled.isPresent()) {
                restoreSpooled(spooled.get(), tcp, out);
            } else {
                restore(manifest, tcp, out);
            }
        } catch (Exception e) {
            out.fail(e);
        }
    }

    private void restore(SnapshotStore.Manifest manifest, boolean tcp, ProgressStream<RestoreProgress> out)
            throws Exception {
        StagingArea.Staged staged = staging.create("restore-" + manifest.id());
        try {
            out.send(RestoreProgress.newBuilder().setPhase("staging").setBytesTotal(manifest.imageBytes()).build());
            Stopwatch verifyTime = Stopwatch.createStarted(ticker);
            // export checks every chunk before writing its bytes; a corrupt one throws before CRIU runs.
            store.export(manifest.id(), staged.images(), throttled((done, total) -> out.send(RestoreProgress.newBuilder()
                    .setPhase("staging")
                    .setBytesDone(done)
                    .setBytesTotal(total)
                    .build())));
            long verifyMillis = verifyTime.elapsed(MILLISECONDS);
            out.send(RestoreProgress.newBuilder()
                    .setPhase("restoring")
                    .setBytesDone(manifest.imageBytes())
                    .setBytesTotal(manifest.imageBytes())
                    .build());
            Stopwatch criuTime = Stopwatch.createStarted(ticker);
            int pid = criu.restore(new RestoreSpec(staged.images(), staged.work(), tcp, NotifyHandler.ACCEPT_ALL));
            out.send(RestoreProgress.newBuilder()
                    .setPhase("restored")
                    .setBytesDone(manifest.imageBytes())
                    .setBytesTotal(manifest.imageBytes())
                    .setPid(pid)
                    .setVerifyMillis(verifyMillis)
                    .setCriuMillis(criuTime.elapsed(MILLISECONDS))
                    .build());
            out.complete();
        } finally {
            deleteQuietly(staged);
        }
    }

    /** A spooled snapshot is restored where it lies, after every file passed its checksum. */
    private void restoreSpooled(SnapshotSpool.Spooled spooled, boolean tcp, ProgressStream<RestoreProgress> out)
            throws Exception {
        StagingArea.Staged staged = staging.create("restore-" + spooled.id());
        try {
            out.send(RestoreProgress.newBuilder().setPhase("staging").setBytesTotal(spooled.imageBytes()).build());
            Stopwatch verifyTime = Stopwatch.createStarted(ticker);
            SnapshotStore.VerifyResult check = spool.verify(spooled.id());
            if (!check.ok()) {
                throw new dev.molt.snapshot.SnapshotException.Corrupt("spooled snapshot " + spooled.id()
                        + " failed its checksums, nothing was given to CRIU: " + String.join("; ", check.problems()));
            }
            long verifyMillis = verifyTime.elapsed(MILLISECONDS);
            out.send(RestoreProgress.newBuilder()
                    .setPhase("restoring")
                    .setBytesDone(spooled.imageBytes())
                    .setBytesTotal(spooled.imageBytes())
                    .build());
            Stopwatch criuTime = Stopwatch.createStarted(ticker);
            int pid = criu.restore(new RestoreSpec(spooled.images(), staged.work(), tcp, NotifyHandler.ACCEPT_ALL));
            out.send(RestoreProgress.newBuilder()
                    .setPhase("restored")
                    .setBytesDone(spooled.imageBytes())
                    .setBytesTotal(spooled.imageBytes())
                    .setPid(pid)
                    .setVerifyMillis(verifyMillis)
                    .setCriuMillis(criuTime.elapsed(MILLISECONDS))
                    .build());
            out.complete();
        } finally {
            deleteQuietly(staged);
        }
    }

    @Override
    public void persistSpooled(PersistSpooledRequest request, StreamObserver<SnapshotInfo> responses) {
        ProgressStream<SnapshotInfo> out = new ProgressStream<>(responses, "PersistSpooled");
        try {
            String id = spooledSnapshot(request.getSnapshotId()).id();
            SnapshotStore.Manifest manifest = spool.persistInto(store, id, SnapshotStore.Progress.NONE);
            out.send(SnapshotLabels.info(manifest));
            out.complete();
        } catch (Exception e) {
            out.fail(e);
        }
    }

    @Override
    public void planBootRestore(PlanBootRestoreRequest request, StreamObserver<BootRestorePlan> responses) {
        ProgressStream<BootRestorePlan> out = new ProgressStream<>(responses, "PlanBootRestore");
        try {
            SnapshotSpool.Spooled spooled = spooledSnapshot(request.getSnapshotId());
            boolean tcp = switch (request.getTcp()) {
                case TCP_MODE_UNSPECIFIED -> SnapshotLabels.tcpEstablished(spooled.manifest());
                case TCP_MODE_ESTABLISHED -> true;
                case TCP_MODE_REFUSE -> false;
                case UNRECOGNIZED -> throw new AdapterException.InvalidArgument(
                        "tcp", "unknown mode " + request.getTcpValue());
            };
            // Made now, on the persistent disk: the boot hook only runs CRIU in it.
            StagingArea.Staged staged = staging.create("boot-restore-" + spooled.id());
            Path pidfile = staged.work().resolve("restored.pid");
            out.send(BootRestorePlan.newBuilder()
                    .addAllArgv(criu.restoreCommand(
                            new RestoreSpec(spooled.images(), staged.work(), tcp, NotifyHandler.ACCEPT_ALL), pidfile))
                    .setImagesDir(spooled.images().toString())
                    .setChecksumsFile(spooled.checksums().toString())
                    .setWorkDir(staged.work().toString())
                    .setLogFile(staged.work().resolve(dev.molt.criu.CriuClient.logFileName(
                            dev.molt.criu.rpc.CriuRpc.criu_req_type.RESTORE)).toString())
                    .setPidfile(pidfile.toString())
                    .build());
            out.complete();
        } catch (Exception e) {
            out.fail(e);
        }
    }

    private SnapshotSpool.Spooled spooledSnapshot(String id) throws AdapterException {
        if (id.isEmpty()) {
            throw new AdapterException.InvalidArgument("snapshot_id", "required");
        }
        return spool.find(id).orElseThrow(() -> new AdapterException.NotFound("no spooled snapshot " + id
                + (store.manifest(id).isPresent() ? " (it is in the store already)" : "; ListSnapshots shows those that exist")));
    }

    @Override
    public void listSnapshots(ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> responses) {
        ProgressStream<ListSnapshotsResponse> out = new ProgressStream<>(responses, "ListSnapshots");
        try {
            ListSnapshotsResponse.Builder answer = ListSnapshotsResponse.newBuilder();
            spool.list().forEach(s -> answer.addSnapshots(SnapshotLabels.info(s.manifest()).toBuilder().setSpooled(true)));
            store.list().forEach(manifest -> answer.addSnapshots(SnapshotLabels.info(manifest)));
            out.send(answer.build());
            out.complete();
        } catch (Exception e) {
            out.fail(e);
        }
    }

    @Override
    public void verifySnapshot(VerifySnapshotRequest request, StreamObserver<VerifySnapshotResponse> responses) {
        ProgressStream<VerifySnapshotResponse> out = new ProgressStream<>(responses, "VerifySnapshot");
        try {
            String id = existingSnapshot(request.getSnapshotId());
            SnapshotStore.VerifyResult result = store.manifest(id).isPresent() ? store.verify(id) : spool.verify(id);
            out.send(VerifySnapshotResponse.newBuilder()
                    .setOk(result.ok())
                    .addAllProblems(result.problems())
                    .setBytesChecked(result.bytesChecked())
                    .build());
            out.complete();
        } catch (Exception e) {
            out.fail(e);
        }
    }

    @Override
    public void deleteSnapshot(DeleteSnapshotRequest request, StreamObserver<DeleteSnapshotResponse> responses) {
        ProgressStream<DeleteSnapshotResponse> out = new ProgressStream<>(responses, "DeleteSnapshot");
        try {
            String id = existingSnapshot(request.getSnapshotId());
            store.delete(id);
            spool.delete(id);
            out.send(DeleteSnapshotResponse.getDefaultInstance());
            out.complete();
        } catch (Exception e) {
            out.fail(e);
        }
    }

    private String existingSnapshot(String id) throws AdapterException {
        if (id.isEmpty()) {
            throw new AdapterException.InvalidArgument("snapshot_id", "required");
        }
        if (store.manifest(id).isEmpty() && spool.find(id).isEmpty()) {
            throw new AdapterException.NotFound("no snapshot " + id + "; ListSnapshots shows those that exist");
        }
        return id;
    }

    /** A DumpRequest checked field by field, before anything touches the tree. */
    record DumpPlan(
            int pid,
            String snapshotId,
            boolean leaveRunning,
            boolean tcpEstablished,
            Optional<Path> freezeCgroup,
            java.util.Map<String, String> labels,
            boolean keepImages,
            boolean externalNetworkLock,
            boolean spool) {

        boolean persist() {
            return !snapshotId.isEmpty();
        }

        static DumpPlan validate(DumpRequest request) throws AdapterException {
            if (request.getPid() <= 0) {
                throw new AdapterException.InvalidArgument(
                        "pid", "must be > 0 (the root of the tree to dump), got " + request.getPid());
            }
            String id = request.getSnapshotId();
            if (id.isEmpty() && !request.getLeaveRunning()) {
                throw new AdapterException.InvalidArgument("snapshot_id", "required unless leave_running is set (a dry"
                        + " check): a dump without leave_running ends the tree, so its images must be kept");
            }
            if (!id.isEmpty() && !SNAPSHOT_ID.matcher(id).matches()) {
                throw new AdapterException.InvalidArgument(
                        "snapshot_id", "'" + id + "' must be 1-128 characters of A-Z a-z 0-9 . _ -");
            }
            if (request.getSpool() && id.isEmpty()) {
                throw new AdapterException.InvalidArgument("spool", "needs a snapshot_id: a dry check keeps nothing");
            }
            for (String key : request.getLabelsMap().keySet()) {
                if (SnapshotLabels.RESERVED.contains(key)) {
                    throw new AdapterException.InvalidArgument(
                            "labels", "'" + key + "' is set by the adapter itself; use another key");
                }
            }
            boolean tcp = switch (request.getTcp()) {
                case TCP_MODE_ESTABLISHED -> true;
                case TCP_MODE_UNSPECIFIED, TCP_MODE_REFUSE -> false;
                case UNRECOGNIZED -> throw new AdapterException.InvalidArgument(
                        "tcp", "unknown mode " + request.getTcpValue());
            };
            return new DumpPlan(request.getPid(), id, request.getLeaveRunning(), tcp,
                    freezeCgroup(request.getFreezeCgroup()), request.getLabelsMap(), request.getKeepImages(),
                    request.getExternalNetworkLock(), request.getSpool());
        }

        private static Optional<Path> freezeCgroup(String value) throws AdapterException {
            if (value.isEmpty()) {
                return Optional.empty();
            }
            Path cgroup = Path.of(value);
            if (!cgroup.isAbsolute() || !Files.isRegularFile(cgroup.resolve("cgroup.freeze"))) {
                throw new AdapterException.InvalidArgument("freeze_cgroup", value
                        + " is not a cgroup v2 directory (absolute, under the cgroup2 mount, with a cgroup.freeze file)");
            }
            return Optional.of(cgroup);
        }
    }

    /** Forwards at most one progress update per {@link #PROGRESS_STEP_BYTES}, and the last one. */
    private static SnapshotStore.Progress throttled(SnapshotStore.Progress progress) {
        long[] lastSent = {0};
        return (done, total) -> {
            if (done - lastSent[0] >= PROGRESS_STEP_BYTES || (total >= 0 && done >= total)) {
                lastSent[0] = done;
                progress.update(done, total);
            }
        };
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path file : files.toList()) {
                if (Files.isRegularFile(file)) {
                    total += Files.size(file);
                }
            }
            return total;
        }
    }

    private static String describe(ProcessTable.Proc proc) {
        String comm;
        try {
            comm = ProcessTable.readProcFile(Path.of("/proc", Integer.toString(proc.pid()), "comm")).strip();
        } catch (IOException e) {
            comm = "?";
        }
        return "'" + comm + "' (state " + proc.state() + ", parent " + proc.ppid() + ")";
    }

    private static void deleteQuietly(StagingArea.Staged staged) {
        try {
            staged.delete();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not delete the staging directory " + staged.dir() + ": " + e.getMessage());
        }
    }

    /**
     * The response stream of one call. Once the client has cancelled, messages are dropped instead
     * of failing: a dump that CRIU has started must still be persisted.
     */
    private static final class ProgressStream<T> {
        private final StreamObserver<T> observer;
        private final String rpc;
        private volatile boolean cancelled;

        ProgressStream(StreamObserver<T> observer, String rpc) {
            this.observer = observer;
            this.rpc = rpc;
            if (observer instanceof io.grpc.stub.ServerCallStreamObserver<T> call) {
                call.setOnCancelHandler(() -> {
                    cancelled = true;
                    LOG.log(Level.INFO, rpc + ": the client cancelled; finishing the operation anyway");
                });
            }
        }

        void send(T message) {
            if (!cancelled) {
                observer.onNext(message);
            }
        }

        void complete() {
            if (!cancelled) {
                observer.onCompleted();
            }
        }

        void fail(Exception failure) {
            Status status = StatusMapper.toStatus(failure);
            if (status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN) {
                LOG.log(Level.ERROR, rpc + " failed: " + status.getDescription(), failure);
            }
            if (!cancelled) {
                observer.onError(status.asRuntimeException());
            }
        }
    }
}
