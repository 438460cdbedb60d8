package dev.molt.daemon;

import dev.molt.api.AuditService;
import dev.molt.api.HostService;
import dev.molt.api.auth.ApiGate;
import dev.molt.api.auth.Callers;
import dev.molt.api.auth.PeerCredentialsHandler;
import dev.molt.api.auth.UnixPeerPolicy;
import dev.molt.audit.AuditLog;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import dev.molt.api.SnapshotsService;
import dev.molt.api.UpgradesService;
import dev.molt.api.WindowsService;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.criu.Criu;
import dev.molt.criu.CriuBinary;
import dev.molt.criu.CriuCatalog;
import dev.molt.criu.CriuVersion;
import dev.molt.criu.KernelRelease;
import dev.molt.criu.CriuClient;
import dev.molt.criu.service.AdapterChannel;
import dev.molt.criu.service.AdapterServer;
import dev.molt.criu.service.CriuAdapterService;
import dev.molt.criu.v1.CriuAdapterGrpc;
import dev.molt.api.LivepatchesService;
import dev.molt.kexec.KernelSwitch;
import dev.molt.kexec.livepatch.LivepatchDriver;
import dev.molt.livepatch.LivepatchJournal;
import dev.molt.livepatch.Livepatcher;
import dev.molt.metrics.MetricsServer;
import dev.molt.metrics.MoltMetrics;
import dev.molt.plan.ChangePlans;
import dev.molt.policy.Admission;
import dev.molt.policy.UpgradePolicy;
import dev.molt.kexec.KexecSwitch;
import dev.molt.kexec.QuietSockets;
import dev.molt.kexec.RestartSwitch;
import dev.molt.netlock.NetworkLock;
import dev.molt.scheduler.HostBlockerChecks;
import dev.molt.scheduler.Scheduler;
import dev.molt.scheduler.UpgradeStarter;
import dev.molt.scheduler.WindowStore;
import dev.molt.store.MoltStore;
import dev.molt.upgrade.CrashPoints;
import dev.molt.upgrade.CriuChoices;
import dev.molt.upgrade.EventHub;
import dev.molt.upgrade.KernelSwitches;
import dev.molt.upgrade.ParkGuard;
import dev.molt.upgrade.Preflight;
import dev.molt.upgrade.UpgradeJournal;
import dev.molt.upgrade.Upgrader;
import dev.molt.upgrade.WorkloadSnapshots;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The running daemon's parts, started and closed in order. */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());
    /**
     * gRPC asks every accepted connection for SO_KEEPALIVE, which a Unix socket does not have:
     * Netty would warn at each CLI call. Held here: JUL keeps its loggers weakly.
     */
    private static final Logger NETTY_BOOTSTRAP = quiet("io.netty.bootstrap");

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    private final MoltStore store;
    private final AdapterServer adapterServer;
    private final AdapterChannel adapterChannel;
    private final ExecutorService upgrades;
    /** Garbage collection of the store's chunks: never on the path to restore, so first after a delay. */
    private final java.util.concurrent.ScheduledExecutorService housekeeping =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "store-gc");
                t.setDaemon(true);
                return t;
            });
    static final java.time.Duration GC_DELAY = java.time.Duration.ofMinutes(2);
    static final java.time.Duration GC_PERIOD = java.time.Duration.ofHours(1);
    private final List<Server> apiServers = new ArrayList<>();
    private final List<EpollEventLoopGroup> loops = new ArrayList<>();
    /** Requests are small; a larger one is refused before it is parsed. */
    static final int MAX_REQUEST_BYTES = 1 << 20;
    private final HealthStatusManager health = new HealthStatusManager();
    private ApiGate.CallObserver callObserver = ApiGate.CallObserver.NONE;
    private volatile boolean closed;
    private volatile boolean restarting;
    private CrashPoints crash = CrashPoints.none();
    private Scheduler scheduler;
    private MetricsServer metrics;

    private Daemon(MoltStore store, AdapterServer adapterServer, AdapterChannel adapterChannel, ExecutorService upgrades) {
        this.store = store;
        this.adapterServer = adapterServer;
        this.adapterChannel = adapterChannel;
        this.upgrades = upgrades;
    }

    public static Daemon start(DaemonConfig config, CrashPoints crash) throws IOException {
        Files.createDirectories(config.stagingDir());
        MoltStore store = MoltStore.open(config.storeDir());
        Daemon daemon = null;
        try {
            // The criu-adapter, in-process: the coordinator reaches CRIU only through its gRPC API.
            String name = "criu-adapter-" + UUID.randomUUID();
            // The CRIU for the kernel this daemon runs on: the configured one where it suits, else a
            // staged one (after a kexec to another release the configured CRIU may not work here).
            CriuCatalog catalog = CriuCatalog.discover(config.criu());
            Path runningCriu = criuForRunningKernel(catalog, config.criu(), dumpedByOfActiveUpgrade(store));
            CriuAdapterService adapter = new CriuAdapterService(
                    new Criu(new CriuClient(new CriuBinary(runningCriu))), store.snapshots(), config.stagingDir());
            AdapterServer adapterServer = AdapterServer.inProcess(name, adapter);
            AdapterChannel channel = AdapterChannel.inProcess(name);
            var criu = CriuAdapterGrpc.newBlockingStub(channel.channel());

            ExecutorService upgrades = Executors.newSingleThreadExecutor(r -> new Thread(r, "upgrade"));
            daemon = new Daemon(store, adapterServer, channel, upgrades);
            Clock clock = Clock.systemUTC();
            EventHub hub = new EventHub();
            RealWorkloads workloads = new RealWorkloads();
            NetworkLock lock = new NetworkLock("nft", dev.molt.netlock.BootGuard.fromEnvironment(System.getenv()));
            Daemon self = daemon;
            self.crash = crash;
            KernelSwitches switches = (spec, parkedPids) -> self.switchFor(spec, parkedPids);
            Upgrader upgrader = new Upgrader(new UpgradeJournal(store.journal(), clock), hub, workloads, criu,
                    new Preflight(workloads, criu, store::freeBytes, () -> stagingSpace(config), new CriuChoices(() -> CriuCatalog.discover(config.criu()), criu)),
                    switches, lock, crash, clock, upgrades);

            // Resume before listening: restoring the workloads waits for nothing else.
            upgrader.resumeActive();
            daemon.scheduleGarbageCollection(upgrader);
            // After resuming: a scheduled upgrade whose window is open now waits for the resumed one.
            // The policy's stop limit uses the scheduler's estimate; require_window its windows.
            java.util.concurrent.atomic.AtomicReference<Scheduler> schedulerRef = new java.util.concurrent.atomic.AtomicReference<>();
            Admission admission = new Admission(config.workloads(), config.policy(),
                    () -> schedulerRef.get() != null && schedulerRef.get().windowOpenNow(),
                    () -> dev.molt.scheduler.StopEstimate.from(upgrader.list(50)));
            Scheduler scheduler = new Scheduler(new WindowStore(store.journal()), starter(upgrader, admission),
                    new HostBlockerChecks(), clock, Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "scheduler");
                        t.setDaemon(true);
                        return t;
                    }));
            daemon.scheduler = scheduler;
            schedulerRef.set(scheduler);
            scheduler.start();

            LivepatchDriver livepatchDriver = LivepatchDriver.host();
            Livepatcher livepatcher = new Livepatcher(livepatchDriver, new LivepatchJournal(store.journal(), clock),
                    upgrader::start, upgrader::active);
            // A livepatch transition may take a minute: followed in the background, the API serves meanwhile.
            Thread.ofPlatform().name("livepatch-resume").daemon(true).start(() -> {
                try {
                    livepatcher.resumeActive(p -> { });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "resuming the livepatch operation failed", e);
                }
            });

            var snapshots = new WorkloadSnapshots(workloads, criu, lock, clock);
            AuditLog audit = new AuditLog(store.journal());
            daemon.listen(config, audit, List.of(
                    new UpgradesService(upgrader, hub, new ChangePlans(livepatchDriver,
                            spec -> admission.withPolicyCheck(upgrader.plan(spec)),
                            config.policy().livepatch() == UpgradePolicy.Livepatch.ALLOW), admission),
                    new SnapshotsService(criu, snapshots, upgrader), new HostService(criu, store, upgrader),
                    new AuditService(audit), new WindowsService(scheduler, admission),
                    new LivepatchesService(livepatcher, config.policy())));
            if (!config.workloads().workloads().isEmpty()) {
                LOG.info("protected by default: " + config.workloads().workloads().stream()
                        .map(w -> w.name() + " (" + dev.molt.cli.WorkloadSpec.format(w.workload()) + ")").toList());
            }
            LOG.info("moltd ready: socket " + config.socket() + ", store " + config.storeDir() + ", CRIU " + runningCriu);
            return daemon;
        } catch (IOException | RuntimeException e) {
            if (daemon != null) {
                daemon.close();
            } else {
                store.close();
            }
            throw e;
        }
    }

    /**
     * The installed CRIU that works on the running kernel and reads the active upgrade's images;
     * the configured one, with a warning, when none does (the preflight names the problem).
     */
    static Path criuForRunningKernel(CriuCatalog catalog, Path configured, CriuVersion dumpedBy) {
        KernelRelease running = KernelRelease.running();
        return switch (catalog.forKernel(running, dumpedBy)) {
            case CriuCatalog.Selection.Chosen c -> {
                if (!c.criu().binary().path().equals(configured)) {
                    LOG.info("CRIU for " + running + ": " + c.explanation() + " (the configured " + configured + " does not suit it)");
                }
                yield c.criu().binary().path();
            }
            case CriuCatalog.Selection.NoneSuitable n -> {
                LOG.warning(n.message() + "; running the configured " + configured);
                yield configured;
            }
        };
    }

    /** The Upgrader as the scheduler sees it. */
    private static UpgradeStarter starter(Upgrader upgrader, Admission admission) {
        return new UpgradeStarter() {
            @Override
            public dev.molt.api.v1.Upgrade start(String requestId, dev.molt.api.v1.UpgradeSpec spec, ParkGuard guard) {
                var earlier = upgrader.byRequestId(requestId);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
                return upgrader.start(requestId, admission.admitScheduledStart(spec), guard);
            }

            @Override
            public java.util.Optional<dev.molt.api.v1.Upgrade> byRequestId(String requestId) {
                return upgrader.byRequestId(requestId);
            }

            @Override
            public java.util.Optional<dev.molt.api.v1.Upgrade> active() {
                return upgrader.active();
            }

            @Override
            public List<dev.molt.api.v1.Upgrade> recent(int limit) {
                return upgrader.list(limit);
            }
        };
    }

    /** The CRIU that dumped the active upgrade's images, if one is active after a restart. */
    private static CriuVersion dumpedByOfActiveUpgrade(MoltStore store) {
        try {
            UpgradeJournal journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
            return journal.active().flatMap(journal::last)
                    .map(r -> r.getDumpCriu().getVersion())
                    .filter(v -> !v.isEmpty())
                    .map(CriuVersion::parse)
                    .orElse(null);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read the active upgrade's CRIU from the journal", e);
            return null;
        }
    }

    private KernelSwitch switchFor(dev.molt.api.v1.UpgradeSpec spec, java.util.function.Supplier<List<Long>> parkedPids) {
        SwitchMethod method = spec.getSwitchMethod();
        return switch (method) {
            case SWITCH_METHOD_KEXEC -> KexecSwitch.fromEnvironment(System.getenv());
            case SWITCH_METHOD_RESTART -> new RestartSwitch(parkedPids, this::restartForSwitch);
            default -> throw new IllegalArgumentException("unknown switch method " + method);
        };
    }

    /**
     * The restart switch's last act: end the daemon so that its launcher starts it again, and the
     * new process resumes from the journal as it would after a kexec. The workloads' TCP sockets
     * were silenced by the switch before their processes ended.
     */
    private void restartForSwitch() {
        crash.reached("switched");
        // Set before close(): closing ends awaitTermination() in the main thread, whose exit code
        // must then be the restart code too (a plain 0 would end the launcher, not restart).
        restarting = true;
        LOG.info("restart switch: exiting with " + Moltd.EXIT_RESTART + " for the launcher to start moltd again");
        close();
        Runtime.getRuntime().halt(Moltd.EXIT_RESTART);
    }

    private static Preflight.Staging stagingSpace(DaemonConfig config) {
        try {
            var stagingStore = Files.getFileStore(config.stagingDir());
            var storeStore = Files.getFileStore(config.storeDir());
            return new Preflight.Staging(stagingStore.getUsableSpace(), stagingStore.equals(storeStore));
        } catch (IOException e) {
            return new Preflight.Staging(0, false);
        }
    }

    /**
     * Deletes chunks no snapshot references (aborted upgrades, deleted snapshots), while no
     * upgrade runs: collection competes for the disk with a dump.
     */
    private void scheduleGarbageCollection(Upgrader upgrader) {
        housekeeping.scheduleWithFixedDelay(() -> {
            try {
                if (upgrader.active().isEmpty()) {
                    var result = store.snapshots().collectGarbage();
                    if (result.chunksDeleted() > 0) {
                        LOG.info("store gc: deleted " + result.chunksDeleted() + " chunks, " + result.bytesFreed() + " bytes");
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "store gc failed; will try again", e);
            }
        }, GC_DELAY.toSeconds(), GC_PERIOD.toSeconds(), TimeUnit.SECONDS);
    }

    private void listen(DaemonConfig config, AuditLog audit, List<io.grpc.BindableService> services) throws IOException {
        Files.createDirectories(config.socket().toAbsolutePath().getParent());
        Files.deleteIfExists(config.socket());
        EpollEventLoopGroup boss = new EpollEventLoopGroup(1);
        EpollEventLoopGroup workers = new EpollEventLoopGroup(2);
        loops.add(boss);
        loops.add(workers);
        Clock clock = Clock.systemUTC();
        var unixCallers = Callers.unixSocket(new UnixPeerPolicy(config.operatorGroup(), config.viewerGroup(), Path.of("/etc")));
        NettyServerBuilder unix = NettyServerBuilder.forAddress(new DomainSocketAddress(config.socket().toString()))
                .channelFactory(PeerCredentialsHandler.serverChannel())
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers);
        apiServers.add(serve(unix, new ApiGate(unixCallers, audit, clock, callObserver), services).build().start());
        SocketPermissions.apply(config.socket(), config.socketMode(), config.operatorGroup());
        if (config.tcpListen() != null) {
            NettyServerBuilder tcp = NettyServerBuilder.forAddress(config.tcpListen())
                    .channelType(io.netty.channel.epoll.EpollServerSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers)
                    // The CLI pings every 30 s over TCP to notice a host that kexec'd away; without
                    // this the server answers GOAWAY "too_many_pings" (gRPC's default allows one per 5 min).
                    .permitKeepAliveTime(20, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true);
            Callers tcpCallers;
            if (config.insecureTcp()) {
                LOG.warning("serving the API on " + config.tcpListen() + " WITHOUT TLS: every caller there is an operator"
                        + " (insecure_tcp); use this only behind a private port");
                tcpCallers = Callers.insecureTcp();
            } else {
                tcp.sslContext(ServerTls.context(config.tls()));
                tcpCallers = Callers.mutualTls();
            }
            Server server = serve(tcp, new ApiGate(tcpCallers, audit, clock, callObserver), services).build().start();
            apiServers.add(server);
            LOG.info("API on TCP " + server.getListenSockets() + (config.insecureTcp() ? " (plaintext)" : " (mutual TLS)"));
        }
        for (var s : services) {
            health.setStatus(s.bindService().getServiceDescriptor().getName(), HealthCheckResponse.ServingStatus.SERVING);
        }
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, HealthCheckResponse.ServingStatus.SERVING);
    }

    /** The services, behind the gate, plus health and reflection (grpcurl works without .proto files). */
    private NettyServerBuilder serve(NettyServerBuilder builder, ApiGate gate, List<io.grpc.BindableService> services) {
        builder.maxInboundMessageSize(MAX_REQUEST_BYTES);
        for (var s : services) {
            builder.addService(gate.guard(s));
        }
        builder.addService(ServerInterceptors.intercept(health.getHealthService(), gate));
        builder.addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), gate));
        return builder;
    }

    /** The bound TCP address of the API (its port when configured as 0); empty without TCP. */
    public java.util.Optional<java.net.InetSocketAddress> tcpAddress() {
        return apiServers.stream().skip(1).flatMap(s -> s.getListenSockets().stream())
                .filter(a -> a instanceof java.net.InetSocketAddress).map(a -> (java.net.InetSocketAddress) a).findFirst();
    }

    /**
     * Serves Prometheus metrics at {@code http://address/metrics} (docs/metrics.md). A failure to
     * listen is logged, never fatal: this daemon may be in the middle of an upgrade.
     */
    public synchronized void serveMetrics(java.net.InetSocketAddress address) {
        if (closed || metrics != null) {
            return;
        }
        try {
            String version = Daemon.class.getPackage().getImplementationVersion();
            metrics = MetricsServer.start(address, MoltMetrics.of(store, version == null ? "development" : version,
                    dev.molt.upgrade.HostInfo.kernelRelease()));
            LOG.info("metrics on http://" + metrics.address().getHostString() + ":" + metrics.address().getPort() + "/metrics");
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.SEVERE, "not serving metrics: " + e.getMessage() + "; moltd runs on without them", e);
        }
    }

    /** The bound address of /metrics; empty when not served. */
    public synchronized java.util.Optional<java.net.InetSocketAddress> metricsAddress() {
        return java.util.Optional.ofNullable(metrics).map(MetricsServer::address);
    }

    /** Waits until the daemon stops; returns its exit code ({@link Moltd#EXIT_RESTART} for a restart). */
    public int awaitTermination() throws InterruptedException {
        for (Server s : apiServers) {
            s.awaitTermination();
        }
        return restarting ? Moltd.EXIT_RESTART : 0;
    }

    /** Stops serving, then closes the adapter, then the store (last: everything above writes to it). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        health.enterTerminalState();
        for (Server s : apiServers) {
            s.shutdownNow();
        }
        if (metrics != null) {
            metrics.close();
        }
        housekeeping.shutdownNow();
        if (scheduler != null) {
            scheduler.close();
        }
        upgrades.shutdownNow();
        adapterChannel.close();
        adapterServer.close();
        for (EpollEventLoopGroup g : loops) {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        try {
            store.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "closing the store", e);
        }
    }
}
