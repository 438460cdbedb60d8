package dev.molt.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.Check;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.TargetKernel;
import dev.molt.api.v1.Workload;
import dev.molt.criu.CriuCatalog;
import dev.molt.criu.CriuKernelTable;
import dev.molt.criu.CriuVersion;
import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CheckResponse;
import dev.molt.criu.v1.CriuAdapterGrpc;
import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.kexec.KernelSwitch;
import dev.molt.kexec.SwitchPlan;
import dev.molt.netlock.NetworkLock;
import dev.molt.store.MoltStore;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kexec to a kernel no installed CRIU restores on is refused before anything is parked: the
 * preflight names the kernel, the CRIU found and the one needed. The adapter and the workloads are
 * fakes (bookworm's 3.17.1 is "installed"); the kernel image is a synthetic bzImage header of 7.2.
 */
class CriuTargetPreflightTest {
    @TempDir
    Path dir;

    MoltStore store;
    Server adapterServer;
    ManagedChannel channel;
    final UpgraderAbortTest.FakeWorkloads workloads = new UpgraderAbortTest.FakeWorkloads();
    final RecordingSwitch kernelSwitch = new RecordingSwitch();
    final BookwormAdapter adapter = new BookwormAdapter();
    ExecutorService executor;
    UpgradeJournal journal;
    Path bookwormCriu;
    Path stagedDir;

    @BeforeEach
    void start() throws Exception {
        store = MoltStore.open(dir.resolve("store"));
        String name = InProcessServerBuilder.generateName();
        adapterServer = InProcessServerBuilder.forName(name).directExecutor().addService(adapter).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
        executor = Executors.newSingleThreadExecutor();
        bookwormCriu = executable(dir.resolve("usr/sbin/criu"));
        stagedDir = Files.createDirectories(dir.resolve("var/lib/molt/criu"));
    }

    @AfterEach
    void stop() throws Exception {
        executor.shutdownNow();
        channel.shutdownNow();
        adapterServer.shutdownNow();
        store.close();
    }

    @Test
    void a_kexec_to_7_2_with_only_bookworms_criu_is_refused_and_parks_nothing() throws Exception {
        Upgrader upgrader = upgrader();
        UpgradeSpec spec = kexecTo(bzImage("7.2.12+deb14-amd64"));

        List<Check> failed = upgrader.plan(spec).getChecksList().stream().filter(c -> !c.getOk()).toList();
        assertThat(failed).extracting(Check::getName).containsExactly("criu-target");
        assertThat(failed.getFirst().getDetail())
                .contains("kernel 7.2.12+deb14-amd64")
                .contains("found CRIU 3.17.1 at " + bookwormCriu)
                .contains("needed CRIU 4.2.1 or newer")
                .contains("3.17.1 stops at kerndat");

        String id = upgrader.start("req-1", spec).getId();
        executor.shutdown();
        assertThat(executor.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        UpgradeRecord last = journal.last(id).orElseThrow();
        assertThat(Upgrader.state(last)).isInstanceOf(UpgradeState.Aborted.class);
        assertThat(last.getEvent().getUpgrade().getReason())
                .startsWith("preflight failed: criu-target: no installed CRIU can restore on kernel 7.2.12+deb14-amd64");
        assertThat(workloads.frozen).as("never frozen").isEmpty();
        assertThat(adapter.dumps).as("not even a dry dump (CRIU seizes the tree for it)").isZero();
        assertThat(kernelSwitch.prepared).as("the kernel was not even loaded").isFalse();
        assertThat(journal.events(id, 0)).extracting(e -> e.getState().name()).doesNotContain("PARKING");
    }

    @Test
    void with_forkys_criu_staged_the_same_target_passes_and_names_the_restoring_criu() throws Exception {
        executable(stagedDir.resolve("4.2.1/criu"));
        Upgrader upgrader = upgrader();

        var plan = upgrader.plan(kexecTo(bzImage("7.2.12+deb14-amd64")));

        Check target = plan.getChecksList().stream().filter(c -> c.getName().equals("criu-target")).findFirst().orElseThrow();
        assertThat(target.getOk()).isTrue();
        assertThat(target.getDetail()).contains("CRIU 4.2.1 at " + stagedDir.resolve("4.2.1/criu"))
                .contains("restores on 7.2.12+deb14-amd64");
        var pair = upgrader.criuChoices() == null ? null : new Preflight(workloads, stub(), () -> 1L << 40, () -> null,
                upgrader.criuChoices()).criuFor(kexecTo(bzImage("7.2.12+deb14-amd64"))).orElseThrow();
        assertThat(pair.dumping().getVersion()).isEqualTo("3.17.1");
        assertThat(pair.restoring().getPath()).isEqualTo(stagedDir.resolve("4.2.1/criu").toString());
    }

    @Test
    void a_kexec_within_6_1_keeps_bookworms_criu() throws Exception {
        var pair = preflight().criuFor(kexecTo(bzImage("6.1.0-56-amd64"))).orElseThrow();
        assertThat(pair.restoring().getVersion()).isEqualTo("3.17.1");
        assertThat(pair.restoring().getPath()).isEqualTo(bookwormCriu.toString());
    }

    private Upgrader upgrader() {
        return new Upgrader(journal, new EventHub(), workloads, stub(), preflight(), (spec, parked) -> kernelSwitch,
                new NetworkLock("true"), CrashPoints.none(), Clock.systemUTC(), executor);
    }

    private Preflight preflight() {
        CriuCatalog catalog = CriuCatalog.discover(bookwormCriu,
                java.util.Map.of(CriuCatalog.STAGED_DIR_ENV, stagedDir.toString()), CriuKernelTable.standard(), p -> {
                    if (p.equals(bookwormCriu)) {
                        return CriuVersion.parse("3.17.1");
                    }
                    throw new AssertionError("unexpected probe of " + p);
                });
        return new Preflight(workloads, stub(), () -> 1L << 40, () -> null, new CriuChoices(() -> catalog, stub()));
    }

    private CriuAdapterGrpc.CriuAdapterBlockingStub stub() {
        return CriuAdapterGrpc.newBlockingStub(channel);
    }

    private UpgradeSpec kexecTo(Path kernel) throws Exception {
        Path initrd = Files.writeString(dir.resolve("initrd.img"), "initrd");
        return UpgradeSpec.newBuilder()
                .addWorkloads(Workload.newBuilder().setPid((int) ProcessHandle.current().pid()))
                .setSwitchMethod(SwitchMethod.SWITCH_METHOD_KEXEC)
                .setTarget(TargetKernel.newBuilder().setKernelPath(kernel.toString()).setInitrdPath(initrd.toString()))
                .setTcpEstablished(true)
                .build();
    }

    /** A bzImage's setup header (boot protocol 2.15, 64-bit) whose version string names {@code release}. */
    private Path bzImage(String release) throws Exception {
        int setupSects = 4;
        int size = (setupSects + 1) * 512 + 4096;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) setupSects);
        b.putInt(0x1f4, 4096 / 16);
        b.putShort(0x1fe, (short) 0xaa55);
        b.put(0x202, "HdrS".getBytes(StandardCharsets.US_ASCII));
        b.putShort(0x206, (short) 0x020f);
        b.putShort(0x20e, (short) (0x400 - 0x200));
        b.put(0x211, (byte) 0x01);
        b.putShort(0x236, (short) 0x7f);
        b.putInt(0x238, 2047);
        b.put(0x400, (release + " (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian").getBytes(StandardCharsets.US_ASCII));
        Path file = dir.resolve("vmlinuz-" + release);
        Files.write(file, b.array());
        return file;
    }

    private static Path executable(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\nexit 0\n");
        p.toFile().setExecutable(true);
        return p;
    }

    /** Bookworm's CRIU: the kernel check passes, dry dumps succeed. */
    static final class BookwormAdapter extends CriuAdapterGrpc.CriuAdapterImplBase {
        volatile int dumps;

        @Override
        public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
            out.onNext(CheckResponse.newBuilder().setCriuVersion("3.17.1").setCriuVersionCode(31701)
                    .setCriuPath("/usr/sbin/criu").setKernelOk(true).build());
            out.onCompleted();
        }

        @Override
        public void dump(dev.molt.criu.v1.DumpRequest request, StreamObserver<dev.molt.criu.v1.DumpProgress> out) {
            dumps++;
            out.onNext(dev.molt.criu.v1.DumpProgress.newBuilder().setPhase("checked").setBytesTotal(1 << 20).build());
            out.onCompleted();
        }
    }

    static final class RecordingSwitch implements KernelSwitch {
        volatile boolean prepared;

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void prepare(SwitchPlan plan) {
            prepared = true;
        }

        @Override
        public void cancel() {}

        @Override
        public void execute() {
            throw new AssertionError("a refused upgrade never switches");
        }
    }
}
