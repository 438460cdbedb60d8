package dev.molt.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resolution of real workloads, in cgroups this test creates, with processes it starts. */
class WorkloadResolverTest {

    @TempDir
    Path tmp;

    TestCgroup test;
    WorkloadResolver resolver;
    final Freezer freezer = new Freezer();

    @BeforeEach
    void setUp() throws Exception {
        test = TestCgroup.create();
        resolver = resolverWithSystemdAt(tmp.resolve("run/systemd"));
    }

    @AfterEach
    void tearDown() throws Exception {
        test.close();
    }

    private WorkloadResolver resolverWithSystemdAt(Path runtimeDir) {
        // Molt's own cgroups go under the test's cgroup, so that nothing outside it is touched.
        return new WorkloadResolver(test.cgroup2, test.procs,
                new SystemdUnits(runtimeDir, "systemctl", Duration.ofSeconds(10)),
                new MoltCgroups(test.cgroup2, test.procs, test.name + "/molt"));
    }

    @Test
    void aCgroupIsEveryProcessInItAndItsChildCgroups() throws Exception {
        Path app = test.child("app");
        Path worker = test.child("app/worker");
        Process shell = test.start(app, "sh", "-c", "sleep 1000 & sleep 1000 & wait");
        List<Long> sleepers = test.awaitDescendants(shell.pid(), 2);
        Process loner = test.start(worker, "sleep", "1000");

        ResolvedWorkload workload = resolver.resolve(new CgroupWorkload(test.nameOf("app")));

        assertThat(workload.name()).isEqualTo(test.nameOf("app"));
        assertThat(workload.cgroupDir()).isEqualTo(app);
        assertThat(workload.ownCgroup()).isFalse();
        assertThat(workload.returnCgroupDir()).isEqualTo(app);
        List<Long> all = new ArrayList<>(sleepers);
        all.add(shell.pid());
        all.add(loner.pid());
        assertThat(workload.pids()).containsExactlyInAnyOrderElementsOf(all);
        assertThat(workload.rootPids()).as("processes whose parent is outside the workload")
                .containsExactlyInAnyOrder(shell.pid(), loner.pid());
    }

    @Test
    void aPidNamespaceInsideACgroupHasItsUnshareAsRoot() throws Exception {
        Path app = test.child("app");
        Process unshare = test.start(app, "unshare", "--pid", "--fork", "setsid", "sleep", "1000");
        long init = test.awaitChild(unshare).pid();

        ResolvedWorkload workload = resolver.resolve(new CgroupWorkload(test.nameOf("app")));

        assertThat(workload.pids()).containsExactlyInAnyOrder(unshare.pid(), init);
        assertThat(workload.rootPids()).containsExactly(unshare.pid());
    }

    @Test
    void resolve_error_anEmptyCgroup() throws Exception {
        test.child("idle");

        assertThatThrownBy(() -> resolver.resolve(new CgroupWorkload(test.nameOf("idle"))))
                .isInstanceOfSatisfying(WorkloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WorkloadException.Reason.EMPTY);
                    assertThat(e.subject()).isEqualTo(test.nameOf("idle"));
                })
                .hasMessage("cgroup " + test.nameOf("idle") + " holds no processes: nothing to protect");
    }

    @Test
    void resolve_error_anUnknownCgroup() {
        assertThatThrownBy(() -> resolver.resolve(new CgroupWorkload(test.nameOf("nope"))))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.NOT_FOUND))
                .hasMessage("cgroup " + test.nameOf("nope") + " does not exist (no " + test.dir.resolve("nope") + ")");
    }

    @Test
    void resolve_error_traversalOutOfTheMount() {
        assertThatThrownBy(() -> resolver.resolve(new CgroupWorkload("../../etc")))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.INVALID_NAME))
                .hasMessageContaining("'..'");
        assertThatThrownBy(() -> resolver.resolve(new CgroupWorkload(test.name + "/../../etc")))
                .isInstanceOf(WorkloadException.class);
    }

    @Test
    void resolve_error_theRootCgroup() {
        assertThatThrownBy(() -> resolver.resolve(new CgroupWorkload("/")))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.INVALID_NAME))
                .hasMessageContaining("the root cgroup");
    }

    @Test
    void resolve_error_aUnitWithoutSystemd() {
        Path runtimeDir = tmp.resolve("run/systemd");

        assertThatThrownBy(() -> resolver.resolve(new SystemdUnitWorkload("redis-server.service")))
                .isInstanceOfSatisfying(WorkloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WorkloadException.Reason.SYSTEMD_UNAVAILABLE);
                    assertThat(e.subject()).isEqualTo("redis-server.service");
                })
                .hasMessage("systemd is not running (no " + runtimeDir.resolve("system")
                        + "): name unit redis-server.service's workload by its cgroup instead");
    }

    @Test
    void resolve_error_aMalformedUnitName() {
        assertThatThrownBy(() -> resolver.resolve(new SystemdUnitWorkload("../redis")))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.INVALID_NAME));
    }

    @Test
    void aProcessTreeIsMovedIntoMoltsOwnCgroupFrozenAndReleased() throws Exception {
        Path origin = test.child("origin");
        Process unshare = test.start(origin, "unshare", "--pid", "--fork", "setsid",
                "sh", "-c", "sleep 1000 & sleep 1000 & wait");
        long init = test.awaitChild(unshare).pid();
        List<Long> sleepers = test.awaitDescendants(init, 2);

        ResolvedWorkload workload = resolver.resolve(new ProcessTreeWorkload(init, "demo"));

        Path own = test.dir.resolve("molt/demo");
        assertThat(workload.name()).isEqualTo("demo");
        assertThat(workload.cgroupDir()).isEqualTo(own);
        assertThat(workload.ownCgroup()).isTrue();
        assertThat(workload.returnCgroupDir()).isEqualTo(origin);
        assertThat(workload.rootPids()).containsExactly(init);
        assertThat(workload.pids()).containsExactlyInAnyOrder(init, sleepers.get(0), sleepers.get(1));
        for (long pid : workload.pids()) {
            assertThat(test.cgroup2.cgroupOf(pid)).as("cgroup of pid %d", pid).isEqualTo(own);
        }
        assertThat(test.cgroup2.cgroupOf(unshare.pid())).as("unshare stays: the root given is the tree").isEqualTo(origin);

        freezer.freeze(workload.cgroupDir(), Duration.ofSeconds(10));
        assertThat(freezer.isFrozen(own)).isTrue();
        assertThat(freezer.isFrozen(origin)).as("the rest is untouched").isFalse();
        freezer.thaw(workload.cgroupDir());

        resolver.release(workload);

        assertThat(own).doesNotExist();
        for (long pid : workload.pids()) {
            assertThat(test.cgroup2.cgroupOf(pid)).isEqualTo(origin);
        }
    }

    @Test
    void aTreeNamedByItsRootGetsADefaultName() throws Exception {
        Process sleeper = test.start(test.child("origin"), "sleep", "1000");

        ResolvedWorkload workload = resolver.resolve(new ProcessTreeWorkload(sleeper.pid()));

        assertThat(workload.name()).isEqualTo("pid-" + sleeper.pid());
        assertThat(workload.cgroupDir()).isEqualTo(test.dir.resolve("molt/pid-" + sleeper.pid()));
        resolver.release(workload);
    }

    /** After a snapshot or an aborted upgrade the tree stays in Molt's cgroup: a retry adopts it there. */
    @Test
    void aTreeLeftInItsMoltCgroupIsAdoptedAgain() throws Exception {
        Path origin = test.child("origin");
        Process unshare = test.start(origin, "unshare", "--pid", "--fork", "setsid", "sh", "-c", "sleep 1000 & wait");
        long init = test.awaitChild(unshare).pid();
        long sleeper = test.awaitDescendants(init, 1).get(0);
        ResolvedWorkload first = resolver.resolve(new ProcessTreeWorkload(init, "demo"));

        ResolvedWorkload again = resolver.resolve(new ProcessTreeWorkload(init, "demo"));

        assertThat(again.cgroupDir()).isEqualTo(first.cgroupDir());
        assertThat(again.pids()).containsExactlyInAnyOrder(init, sleeper);
        assertThat(again.returnCgroupDir()).as("where it first came from is no longer known").isEqualTo(test.cgroup2.root());
    }

    @Test
    void resolve_error_aTreeParkedByAnOperationUnderWay() throws Exception {
        Process sleeper = test.start(test.child("origin"), "sleep", "1000");
        ResolvedWorkload parked = resolver.resolve(new ProcessTreeWorkload(sleeper.pid(), "demo"));
        freezer.freeze(parked.cgroupDir(), Duration.ofSeconds(10));
        try {
            assertThatThrownBy(() -> resolver.resolve(new ProcessTreeWorkload(sleeper.pid(), "demo")))
                    .isInstanceOfSatisfying(WorkloadException.class,
                            e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.INVALID_NAME))
                    .hasMessageContaining("is parked in Molt's cgroup")
                    .hasMessageContaining("wait for it to end");
            assertThat(freezer.isFrozen(parked.cgroupDir())).as("left as the other operation has it").isTrue();
        } finally {
            freezer.thaw(parked.cgroupDir());
        }
    }

    @Test
    void resolve_error_aNameInUseByAnotherTree() throws Exception {
        Path origin = test.child("origin");
        Process first = test.start(origin, "sleep", "1000");
        Process second = test.start(origin, "sleep", "1000");
        resolver.resolve(new ProcessTreeWorkload(first.pid(), "demo"));

        assertThatThrownBy(() -> resolver.resolve(new ProcessTreeWorkload(second.pid(), "demo")))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.INVALID_NAME))
                .hasMessageContaining("already holds processes [" + first.pid() + "]");
        assertThat(test.cgroup2.cgroupOf(second.pid())).isEqualTo(origin);
    }

    @Test
    void resolve_error_anUnknownPid() throws Exception {
        long unused = TestCgroup.unusedPid();

        assertThatThrownBy(() -> resolver.resolve(new ProcessTreeWorkload(unused)))
                .isInstanceOfSatisfying(WorkloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WorkloadException.Reason.NOT_FOUND);
                    assertThat(e.subject()).isEqualTo(Long.toString(unused));
                })
                .hasMessage("no process with pid " + unused);
        assertThat(test.dir.resolve("molt")).doesNotExist();
    }

    @Test
    void resolve_error_aKernelThread() throws Exception {
        long kthread = ProcsTest.AnyKernelThread.pid();

        assertThatThrownBy(() -> resolver.resolve(new ProcessTreeWorkload(kthread)))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.KERNEL_THREAD))
                .hasMessageContaining("is a kernel thread");
        assertThat(test.dir.resolve("molt")).doesNotExist();
    }

    @Test
    void rootsAreTheProcessesWhoseParentIsOutside() {
        List<ProcStatus> members = List.of(status(10, 1), status(11, 10), status(12, 11), status(20, 5), status(21, 20));

        assertThat(WorkloadResolver.roots(members)).containsExactly(10L, 20L);
    }

    @Test
    void aTreeNameMustBeACgroupName() {
        assertThatThrownBy(() -> new ProcessTreeWorkload(42, "../etc")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not usable as a cgroup name");
    }

    private static ProcStatus status(long pid, long ppid) {
        return new ProcStatus(pid, "p" + pid, 'S', ppid, List.of(pid));
    }
}
