package dev.molt.criu;

import dev.molt.criu.rpc.CriuRpc.criu_cg_mode;
import dev.molt.criu.rpc.CriuRpc.criu_features;
import dev.molt.criu.rpc.CriuRpc.criu_network_lock_method;
import dev.molt.criu.rpc.CriuRpc.criu_opts;
import dev.molt.criu.rpc.CriuRpc.criu_req_type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What Molt asks of CRIU, in Molt's terms: dump a tree, restore it, check the kernel. Builds CRIU's
 * options from a {@link DumpSpec} or {@link RestoreSpec} and checks that the installed CRIU is new
 * enough for them before anything is frozen.
 */
public final class Criu {

    /**
     * Cgroup handling on dump and restore. Measured on the dev host (hybrid layout, CRIU 4.2.1):
     * SOFT restores the tree into the cgroups it was dumped from, re-creating a cgroup v2 directory
     * that was removed meanwhile (as after a reboot) and leaving existing ones' properties alone;
     * IGNORE restores it into CRIU's own cgroups, which loses the coordinator's placement.
     */
    public static final criu_cg_mode CGROUP_MODE = criu_cg_mode.SOFT;

    /** There is no iptables binary on the hosts Molt targets; CRIU's nftables lock needs none. */
    public static final criu_network_lock_method NETWORK_LOCK = criu_network_lock_method.NFTABLES;

    private final CriuClient client;

    public Criu(CriuClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** The CRIU found by {@link CriuBinary#locate()}, with the default timeout. */
    public static Criu locate() throws CriuException.Unavailable {
        return new Criu(new CriuClient(CriuBinary.locate()));
    }

    public CriuBinary binary() {
        return client.binary();
    }

    /** CRIU's version (asked once, then cached). */
    public CriuVersion version() throws CriuException {
        return client.version();
    }

    /** The kernel check's result. */
    public record KernelCheck(boolean ok, String problems) {}

    /**
     * Runs {@code criu check} with its log in {@code workDir}. A kernel that lacks something is a
     * result, not an error; a CRIU that cannot run is an error.
     */
    public KernelCheck checkKernel(Path workDir) throws CriuException {
        KernelCheck known = kernelCheck;
        if (known != null) {
            return known;
        }
        try {
            client.check(workDir);
            // The kernel's features do not change while it runs (a kexec starts a new daemon):
            // one successful check per daemon is enough, and keeps status and preflight cheap.
            kernelCheck = new KernelCheck(true, "");
            return kernelCheck;
        } catch (CriuException.Failed e) {
            return new KernelCheck(false, e.getMessage());
        }
    }

    private volatile KernelCheck kernelCheck;

    /** Names of the FEATURE_CHECK features usable here: "mem_track", "lazy_pages", "pidfd_store". */
    public List<String> usableFeatures() throws CriuException {
        criu_features answer = client.featureCheck(criu_features.newBuilder()
                .setMemTrack(true)
                .setLazyPages(true)
                .setPidfdStore(true)
                .build());
        List<String> usable = new ArrayList<>();
        if (answer.getMemTrack()) {
            usable.add("mem_track");
        }
        if (answer.getLazyPages()) {
            usable.add("lazy_pages");
        }
        if (answer.getPidfdStore()) {
            usable.add("pidfd_store");
        }
        return usable;
    }

    /** What a dump with this spec needs of CRIU on the running kernel. */
    public static List<CriuFeature> requiredFor(DumpSpec spec) {
        return requiredFor(spec, System.getProperty("os.version"));
    }

    /** What a dump with this spec needs of CRIU on kernel {@code release}. */
    public static List<CriuFeature> requiredFor(DumpSpec spec, String release) {
        List<CriuFeature> needed = new ArrayList<>(CriuFeature.DUMP);
        if (spec.tcpEstablished() && CriuFeature.kernelRefusesInetPasscred(release)) {
            needed.add(CriuFeature.INET_SOCKETS_WITHOUT_PASSCRED);
        }
        if (spec.freezeCgroup().isPresent()) {
            needed.add(CriuFeature.CGROUP_V2_FREEZER);
        }
        return needed;
    }

    /** What a restore with this spec needs of CRIU on the running kernel. */
    public static List<CriuFeature> requiredFor(RestoreSpec spec) {
        List<CriuFeature> needed = new ArrayList<>(CriuFeature.RESTORE);
        if (spec.tcpEstablished() && CriuFeature.kernelRefusesInetPasscred(System.getProperty("os.version"))) {
            needed.add(CriuFeature.INET_SOCKETS_WITHOUT_PASSCRED);
        }
        return needed;
    }

    /**
     * Fails with every feature the installed CRIU lacks.
     *
     * @throws CriuException.MissingFeatures listing them all
     */
    public void require(List<CriuFeature> features) throws CriuException {
        CriuVersion version = client.version();
        List<CriuFeature> missing = CriuFeature.missingIn(version, features);
        if (!missing.isEmpty()) {
            throw new CriuException.MissingFeatures(version, client.binary().path(), missing);
        }
    }

    /** Dumps the tree into {@code spec.imagesDir()}; the log is {@code spec.workDir()/dump.log}. */
    public DumpResult dump(DumpSpec spec) throws CriuException {
        require(requiredFor(spec));
        criu_opts.Builder opts = criu_opts.newBuilder()
                .setImagesDirFd(-1)
                .setImagesDir(spec.imagesDir().toString())
                .setPid(spec.pid())
                .setLeaveRunning(spec.leaveRunning())
                .setTcpEstablished(spec.tcpEstablished())
                .setNetworkLock(spec.externalNetworkLock() && CriuFeature.NETWORK_LOCK_SKIP.availableIn(client.version())
                        ? criu_network_lock_method.SKIP : NETWORK_LOCK)
                .setManageCgroupsMode(CGROUP_MODE)
                .setNotifyScripts(true);
        spec.freezeCgroup().ifPresent(cgroup -> opts.setFreezeCgroup(cgroup.toString()));
        client.dump(opts, spec.workDir(), spec.notifyHandler());
        return DumpResult.fromLog(spec.workDir().resolve(CriuClient.logFileName(criu_req_type.DUMP)));
    }

    /**
     * Restores a tree detached: when CRIU exits the tree is re-parented to init (not this JVM, which
     * would have to reap it). Returns the root's pid in this JVM's pid namespace.
     */
    public int restore(RestoreSpec spec) throws CriuException {
        require(requiredFor(spec));
        criu_opts.Builder opts = criu_opts.newBuilder()
                .setImagesDirFd(-1)
                .setImagesDir(spec.imagesDir().toString())
                .setTcpEstablished(spec.tcpEstablished())
                .setNetworkLock(NETWORK_LOCK)
                .setManageCgroupsMode(CGROUP_MODE)
                .setNotifyScripts(true);
        return client.restore(opts, spec.workDir(), spec.notifyHandler());
    }

    /**
     * The command line that restores as {@link #restore} does, for a boot hook that runs CRIU
     * without this adapter (after a kexec, before a JVM could start). The options are those of
     * {@link #restore}'s RPC request, spelled as CRIU's CLI spells them; notify scripts are left
     * out (nobody would answer them) and the root's pid goes to {@code pidfile}.
     */
    public List<String> restoreCommand(RestoreSpec spec, Path pidfile) {
        List<String> argv = new ArrayList<>(List.of(client.binary().path().toString(), "restore",
                "--images-dir", spec.imagesDir().toString(),
                "--work-dir", spec.workDir().toString(),
                "--log-file", CriuClient.logFileName(criu_req_type.RESTORE),
                "-v" + CriuClient.LOG_LEVEL,
                "--network-lock", NETWORK_LOCK.name().toLowerCase(java.util.Locale.ROOT),
                "--manage-cgroups=" + CGROUP_MODE.name().toLowerCase(java.util.Locale.ROOT),
                "--restore-detached",
                "--pidfile", pidfile.toString()));
        if (spec.tcpEstablished()) {
            argv.add("--tcp-established");
        }
        return argv;
    }
}
