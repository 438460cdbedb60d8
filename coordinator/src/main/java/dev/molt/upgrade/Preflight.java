package dev.molt.upgrade;

import dev.molt.api.v1.Check;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CheckResponse;
import dev.molt.criu.v1.CriuAdapterGrpc.CriuAdapterBlockingStub;
import dev.molt.criu.v1.DumpProgress;
import dev.molt.criu.v1.DumpRequest;
import dev.molt.criu.v1.TcpMode;
import dev.molt.kexec.KernelImage;
import dev.molt.kexec.KernelImageException;
import dev.molt.netlock.TcpSocket;
import dev.molt.netlock.TcpSockets;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The checks an upgrade must pass before anything is parked. Running them changes nothing: the
 * dumpability check is CRIU's own dump with the tree left running, into a scratch directory that
 * is thrown away, and the kernel image is only read.
 */
public final class Preflight {
    /** Room kept free beyond the estimate: RocksDB's own files, compaction, the journal. */
    static final long SPACE_MARGIN_BYTES = 64L << 20;

    private final Workloads workloads;
    private final CriuAdapterBlockingStub criu;
    private final LongSupplier storeFreeBytes;

    private final java.util.function.Supplier<Staging> staging;
    private final CriuChoices criuChoices;

    /**
     * Where CRIU's images wait between dump and persist (and between export and restore): free bytes
     * there, and whether that is the store's own filesystem (then both must fit in it at once).
     */
    public record Staging(long freeBytes, boolean sharesStoreFilesystem) {}

    public Preflight(Workloads workloads, CriuAdapterBlockingStub criu, LongSupplier storeFreeBytes) {
        this(workloads, criu, storeFreeBytes, () -> null);
    }

    public Preflight(Workloads workloads, CriuAdapterBlockingStub criu, LongSupplier storeFreeBytes,
            java.util.function.Supplier<Staging> staging) {
        this(workloads, criu, storeFreeBytes, staging, null);
    }

    /**
     * @param criuChoices the installed CRIUs: a kexec upgrade is refused when none can restore on
     *     its target kernel; null skips that check (a host with one CRIU and one kernel series)
     */
    public Preflight(Workloads workloads, CriuAdapterBlockingStub criu, LongSupplier storeFreeBytes,
            java.util.function.Supplier<Staging> staging, CriuChoices criuChoices) {
        this.workloads = workloads;
        this.criu = criu;
        this.storeFreeBytes = storeFreeBytes;
        this.staging = staging;
        this.criuChoices = criuChoices;
    }

    /** The installed CRIUs, or null when this preflight does not choose among them. */
    public CriuChoices criuChoices() {
        return criuChoices;
    }

    /** The CRIU that dumps here and the one chosen to restore on the target kernel. */
    public record CriuPair(dev.molt.journal.v1.CriuChoice dumping, dev.molt.journal.v1.CriuChoice restoring) {}

    /**
     * The CRIUs of a kexec upgrade: empty for the restart switch or without a catalog.
     *
     * @throws UpgradeException.FailedPrecondition naming the kernel, the CRIUs found and the one needed
     */
    public java.util.Optional<CriuPair> criuFor(UpgradeSpec spec) {
        if (criuChoices == null || spec.getSwitchMethod() != SwitchMethod.SWITCH_METHOD_KEXEC) {
            return java.util.Optional.empty();
        }
        String release;
        try {
            release = KernelImage.inspect(Path.of(spec.getTarget().getKernelPath())).release();
        } catch (KernelImageException e) {
            throw new UpgradeException.FailedPrecondition("cannot tell which CRIU restores on the target kernel: " + e.getMessage());
        }
        var dumping = criuChoices.daemons();
        return switch (criuChoices.restoring(release, dumping)) {
            case dev.molt.criu.CriuCatalog.Selection.Chosen c -> java.util.Optional.of(new CriuPair(dumping, CriuChoices.toProto(c)));
            case dev.molt.criu.CriuCatalog.Selection.NoneSuitable n -> throw new UpgradeException.FailedPrecondition(n.message());
        };
    }

    private Check restoringCriuCheck(UpgradeSpec spec) {
        try {
            KernelImage.inspect(Path.of(spec.getTarget().getKernelPath()));
        } catch (KernelImageException e) {
            // The kernel-image check names the problem; no second failure for the same cause.
            return ok("criu-target", "not chosen: the target kernel image cannot be read (see kernel-image)");
        }
        try {
            return criuFor(spec)
                    .map(p -> ok("criu-target", p.restoring().getReason() + "; the dump uses CRIU "
                            + p.dumping().getVersion() + " at " + p.dumping().getPath()))
                    .orElseGet(() -> ok("criu-target", "the daemon's CRIU restores (no kernel change or no catalog)"));
        } catch (UpgradeException e) {
            return fail("criu-target", e.getMessage());
        } catch (StatusRuntimeException e) {
            return fail("criu-target", "CRIU is not usable: " + e.getStatus().getDescription());
        }
    }

    /** Validates the spec's shape; throws InvalidArgument naming the field. */
    public static void validate(UpgradeSpec spec) {
        if (spec.getWorkloadsCount() == 0) {
            throw new UpgradeException.InvalidArgument("spec.workloads", "name at least one workload to protect (--workload),"
                    + " or configure the host's protected workloads (workload.NAME in moltd.conf)");
        }
        for (int i = 0; i < spec.getWorkloadsCount(); i++) {
            Workload w = spec.getWorkloads(i);
            String field = "spec.workloads[" + i + "]";
            switch (w.getSelectorCase()) {
                case SELECTOR_NOT_SET -> throw new UpgradeException.InvalidArgument(field, "set one of cgroup, systemd_unit, pid");
                case PID -> {
                    if (w.getPid() <= 0) {
                        throw new UpgradeException.InvalidArgument(field + ".pid", "must be a positive pid, got " + w.getPid());
                    }
                }
                case CGROUP -> requireText(field + ".cgroup", w.getCgroup());
                case SYSTEMD_UNIT -> requireText(field + ".systemd_unit", w.getSystemdUnit());
            }
        }
        if (spec.getSwitchMethod() == SwitchMethod.SWITCH_METHOD_UNSPECIFIED
                || spec.getSwitchMethod() == SwitchMethod.UNRECOGNIZED) {
            throw new UpgradeException.InvalidArgument("spec.switch_method", "choose KEXEC or RESTART");
        }
        if (spec.getSwitchMethod() == SwitchMethod.SWITCH_METHOD_KEXEC) {
            requirePath("spec.target.kernel_path", spec.getTarget().getKernelPath());
            requirePath("spec.target.initrd_path", spec.getTarget().getInitrdPath());
        }
        if (spec.getTarget().getCmdline().length() > 4096) {
            throw new UpgradeException.InvalidArgument("spec.target.cmdline", "longer than 4096 characters");
        }
    }

    /** Runs every check and returns the plan; never throws for a failed check, only reports it. */
    public UpgradePlan plan(UpgradeSpec spec) {
        validate(spec);
        List<Check> checks = new ArrayList<>();
        UpgradePlan.Builder plan = UpgradePlan.newBuilder();

        checks.add(criuCheck());
        // The target's CRIU first: without one, the dry dumps below (CRIU seizes each tree for a
        // moment) are not run at all, so a refused target never touches a workload.
        boolean restorable = true;
        if (criuChoices != null && spec.getSwitchMethod() == SwitchMethod.SWITCH_METHOD_KEXEC) {
            Check target = restoringCriuCheck(spec);
            checks.add(target);
            restorable = target.getOk();
        }
        long estimate = 0;
        for (Workload w : spec.getWorkloadsList()) {
            Workloads.Target target;
            try {
                target = workloads.resolve(w);
            } catch (UpgradeException e) {
                checks.add(fail("workload:" + describe(w), e.getMessage()));
                continue;
            }
            checks.add(ok("workload:" + target.name(), "root pid " + target.rootPid() + ", "
                    + target.pids().size() + " processes, cgroup " + target.cgroupDir()));
            plan.addRootPids((int) target.rootPid());
            Check tcp = tcpCheck(target, spec.getTcpEstablished());
            checks.add(tcp);
            if (!tcp.getOk() || !restorable) {
                continue;
            }
            DryDump dry = dryDump(target, spec.getTcpEstablished());
            checks.add(dry.check());
            estimate += dry.imageBytes();
        }
        long free = storeFreeBytes.getAsLong();
        long needed = estimate + estimate / 5 + SPACE_MARGIN_BYTES;
        checks.add(free >= needed
                ? ok("space", "store has " + mib(free) + " free, the snapshot needs about " + mib(estimate))
                : fail("space", "store has " + mib(free) + " free but the snapshot needs about " + mib(needed)
                        + " (images " + mib(estimate) + " + 20% + " + mib(SPACE_MARGIN_BYTES)
                        + " margin): free space or move the store"));
        Staging stagingSpace = staging.get();
        if (stagingSpace != null) {
            // The dump's images sit in staging while they are persisted: on the store's own
            // filesystem, images and store must fit at once.
            long stagingNeeded = estimate + SPACE_MARGIN_BYTES + (stagingSpace.sharesStoreFilesystem() ? needed : 0);
            checks.add(stagingSpace.freeBytes() >= stagingNeeded
                    ? ok("staging", mib(stagingSpace.freeBytes()) + " free for CRIU's images"
                            + (stagingSpace.sharesStoreFilesystem() ? " (shared with the store)" : ""))
                    : fail("staging", "the staging directory has " + mib(stagingSpace.freeBytes()) + " free but needs about "
                            + mib(stagingNeeded) + (stagingSpace.sharesStoreFilesystem()
                                    ? " (images written there before they are persisted into the store on the same filesystem)"
                                    : " (the images before they are persisted)")
                            + ": free space or give moltd a --staging on another filesystem"));
        }
        checks.add(kernelCheck(spec));

        plan.addAllChecks(checks)
                .setOk(checks.stream().allMatch(Check::getOk))
                .setEstimatedImageBytes(estimate)
                .setStoreFreeBytes(free)
                .addAllSteps(steps(spec));
        return plan.build();
    }

    static List<String> steps(UpgradeSpec spec) {
        boolean kexec = spec.getSwitchMethod() == SwitchMethod.SWITCH_METHOD_KEXEC;
        List<String> steps = new ArrayList<>();
        steps.add("preflight: CRIU, workloads, dry-run dump, space, kernel image");
        if (kexec) {
            steps.add("load kernel " + spec.getTarget().getKernelPath() + " with kexec_file_load (before parking)");
        }
        steps.add("park: lock the workloads' TCP connections, freeze their cgroups");
        steps.add("dump each workload with CRIU (tree left frozen) and persist it to the snapshot store");
        steps.add("verify each snapshot's checksums");
        steps.add(kexec ? "switch: kexec into the new kernel" : "switch: end the dumped trees and restart the daemon (kernel unchanged)");
        steps.add("restore each workload from its snapshot, verify, unpark");
        return steps;
    }

    private Check criuCheck() {
        try {
            CheckResponse r = criu.withDeadlineAfter(60, TimeUnit.SECONDS).check(CheckRequest.newBuilder().setFull(true).build());
            return r.getKernelOk()
                    ? ok("criu", "CRIU " + r.getCriuVersion() + " at " + r.getCriuPath() + ", kernel supported")
                    : fail("criu", "CRIU " + r.getCriuVersion() + " reports the kernel unsupported: " + r.getKernelProblems());
        } catch (StatusRuntimeException e) {
            return fail("criu", "CRIU is not usable: " + e.getStatus().getDescription());
        }
    }

    private static Check tcpCheck(Workloads.Target target, boolean tcpEstablished) {
        List<TcpSocket> sockets = TcpSockets.heldBy(target.pids());
        long established = sockets.stream().filter(s -> s.state() == TcpSocket.State.ESTABLISHED).count();
        if (established > 0 && !tcpEstablished) {
            return fail("tcp:" + target.name(), target.name() + " holds " + established
                    + " established TCP connections; enable TCP checkpointing (--tcp) or stop them first");
        }
        return ok("tcp:" + target.name(), established + " established TCP connections, "
                + sockets.stream().filter(s -> s.state() == TcpSocket.State.LISTEN).count() + " listening sockets");
    }

    record DryDump(Check check, long imageBytes) {}

    private DryDump dryDump(Workloads.Target target, boolean tcp) {
        DumpRequest request = DumpRequest.newBuilder()
                .setPid((int) target.rootPid())
                .setLeaveRunning(true)
                .setTcp(tcp ? TcpMode.TCP_MODE_ESTABLISHED : TcpMode.TCP_MODE_REFUSE)
                .build();
        try {
            long bytes = 0;
            Iterator<DumpProgress> it = criu.withDeadlineAfter(10, TimeUnit.MINUTES).dump(request);
            while (it.hasNext()) {
                DumpProgress p = it.next();
                bytes = Math.max(bytes, p.getBytesTotal());
            }
            return new DryDump(ok("dumpable:" + target.name(), "CRIU dumped it with the tree left running: "
                    + mib(bytes) + " of images"), bytes);
        } catch (StatusRuntimeException e) {
            return new DryDump(fail("dumpable:" + target.name(), "CRIU cannot dump " + target.name() + ": "
                    + e.getStatus().getDescription()), 0);
        }
    }

    private static Check kernelCheck(UpgradeSpec spec) {
        if (spec.getSwitchMethod() != SwitchMethod.SWITCH_METHOD_KEXEC) {
            return ok("kernel-image", "no kernel image: the restart switch keeps the running kernel");
        }
        Path kernel = Path.of(spec.getTarget().getKernelPath());
        try {
            KernelImage image = KernelImage.inspect(kernel);
            Path initrd = Path.of(spec.getTarget().getInitrdPath());
            if (!java.nio.file.Files.isRegularFile(initrd) || !java.nio.file.Files.isReadable(initrd)) {
                return fail("kernel-image", "initrd " + initrd + " is not a readable file");
            }
            return ok("kernel-image", kernel + " is a bzImage of " + image.release() + ", initrd " + initrd);
        } catch (KernelImageException e) {
            return fail("kernel-image", e.getMessage());
        }
    }

    private static String describe(Workload w) {
        return switch (w.getSelectorCase()) {
            case PID -> "pid:" + w.getPid();
            case CGROUP -> "cgroup:" + w.getCgroup();
            case SYSTEMD_UNIT -> "unit:" + w.getSystemdUnit();
            case SELECTOR_NOT_SET -> "unset";
        };
    }

    private static void requireText(String field, String value) {
        if (value.isBlank()) {
            throw new UpgradeException.InvalidArgument(field, "must not be empty");
        }
        if (value.length() > 1024) {
            throw new UpgradeException.InvalidArgument(field, "longer than 1024 characters");
        }
    }

    private static void requirePath(String field, String value) {
        requireText(field, value);
        if (!value.startsWith("/")) {
            throw new UpgradeException.InvalidArgument(field, "must be an absolute path, got '" + value + "'");
        }
        if (Path.of(value).normalize().toString().length() != value.length() || value.contains("/../")) {
            throw new UpgradeException.InvalidArgument(field, "must be a normalized path without '..', got '" + value + "'");
        }
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static Check ok(String name, String detail) {
        return Check.newBuilder().setName(name).setOk(true).setDetail(detail).build();
    }

    static Check fail(String name, String detail) {
        return Check.newBuilder().setName(name).setOk(false).setDetail(detail).build();
    }
}
