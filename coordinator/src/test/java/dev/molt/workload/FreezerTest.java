package dev.molt.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The freezer on real cgroups this test creates, holding only processes it starts. */
class FreezerTest {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    TestCgroup test;
    final Freezer freezer = new Freezer();

    @BeforeEach
    void createCgroup() throws Exception {
        test = TestCgroup.create();
    }

    @AfterEach
    void removeCgroup() throws Exception {
        test.close();
    }

    @Test
    void freezeStopsTheWorkloadAndThawResumesIt() throws Exception {
        Path app = test.child("app");
        Path counter = tmp.resolve("counter");
        test.startCounter(app, counter);
        TestCgroup.await("the counter to count", () -> TestCgroup.readCounter(counter) > 3);

        long start = System.nanoTime();
        freezer.freeze(app, TIMEOUT);
        long frozenMicros = (System.nanoTime() - start) / 1000;
        System.out.println("freeze of one busy process: " + frozenMicros + " us to frozen 1");

        assertThat(freezer.isFrozen(app)).isTrue();
        assertThat(Files.readAllLines(app.resolve("cgroup.events"))).contains("frozen 1");
        long parked = TestCgroup.readCounter(counter);
        LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // observing an absence needs time to pass
        assertThat(TestCgroup.readCounter(counter)).as("no progress while frozen").isEqualTo(parked);

        freezer.thaw(app);

        assertThat(freezer.isFrozen(app)).isFalse();
        TestCgroup.await("the counter to move on after thaw", () -> TestCgroup.readCounter(counter) > parked);
    }

    @Test
    void freezesAndThawsACgroupOfManyProcesses() throws Exception {
        Path app = test.child("app");
        Process shell = test.start(app, "sh", "-c", "for i in $(seq 50); do sleep 1000 & done; wait");
        test.awaitDescendants(shell.pid(), 50);

        long start = System.nanoTime();
        freezer.freeze(app, TIMEOUT);
        long frozenMicros = (System.nanoTime() - start) / 1000;
        System.out.println("freeze of 51 sleeping processes: " + frozenMicros + " us to frozen 1");

        assertThat(freezer.isFrozen(app)).isTrue();
        freezer.thaw(app);
        assertThat(freezer.isFrozen(app)).isFalse();
    }

    @Test
    void freezingACgroupFreezesItsChildCgroups() throws Exception {
        Path app = test.child("app");
        Path worker = test.child("app/worker");
        test.start(worker, "sleep", "1000");

        freezer.freeze(app, TIMEOUT);

        assertThat(freezer.isFrozen(worker)).isTrue();
        freezer.thaw(app);
        assertThat(freezer.isFrozen(worker)).isFalse();
    }

    @Test
    void freezingAFrozenCgroupAndThawingAThawedOneAreHarmless() throws Exception {
        Path app = test.child("app");
        test.start(app, "sleep", "1000");

        freezer.freeze(app, TIMEOUT);
        freezer.freeze(app, TIMEOUT);
        assertThat(freezer.isFrozen(app)).isTrue();

        freezer.thaw(app);
        freezer.thaw(app);
        assertThat(freezer.isFrozen(app)).isFalse();
    }

    @Test
    void freeze_error_aMissingCgroupIsNamed() {
        Path missing = test.dir.resolve("missing");

        assertThatThrownBy(() -> freezer.freeze(missing, TIMEOUT))
                .isInstanceOfSatisfying(WorkloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WorkloadException.Reason.NOT_FOUND);
                    assertThat(e.subject()).isEqualTo(missing.toString());
                })
                .hasMessage("cgroup " + missing + " does not exist");
        assertThat(missing).doesNotExist();
    }

    @Test
    void freeze_error_theRootCgroupIsRefusedWithoutTouchingIt() {
        Path root = test.cgroup2.root();

        assertThatThrownBy(() -> freezer.freeze(root, TIMEOUT))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.INVALID_NAME))
                .hasMessageContaining("is the root cgroup, which cannot be frozen");
    }

    @Test
    void freeze_error_aPlainDirectoryIsNotACgroup() {
        assertThatThrownBy(() -> freezer.freeze(tmp, TIMEOUT))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.NOT_FOUND))
                .hasMessageContaining("is not a cgroup v2 directory");
        assertThat(tmp.resolve("cgroup.freeze")).doesNotExist();
    }

    @Test
    void freeze_error_aTimeoutThawsTheCgroupAgain() throws Exception {
        Path stuck = fakeCgroupThatNeverFreezes();

        assertThatThrownBy(() -> freezer.freeze(stuck, Duration.ofMillis(100)))
                .isInstanceOfSatisfying(WorkloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WorkloadException.Reason.FREEZE_TIMEOUT);
                    assertThat(e.subject()).isEqualTo(stuck.toString());
                })
                .hasMessage("cgroup " + stuck + " did not freeze within PT0.1S; thawed it again.");
        assertThat(Files.readString(stuck.resolve("cgroup.freeze"))).isEqualTo("0");
    }

    @Test
    void freeze_error_anUnreadableStateThawsTheCgroupAgain() throws Exception {
        Path broken = fakeCgroupThatNeverFreezes();
        Files.delete(broken.resolve("cgroup.events"));

        assertThatThrownBy(() -> freezer.freeze(broken, TIMEOUT)).isInstanceOf(WorkloadException.class);
        assertThat(Files.readString(broken.resolve("cgroup.freeze"))).isEqualTo("0");
    }

    /**
     * A plain directory with the two files the freezer uses, where nothing ever answers the
     * freeze: a stand-in for a cgroup whose task never stops (a real one needs a task stuck in
     * uninterruptible sleep, which a test cannot make on demand).
     */
    private Path fakeCgroupThatNeverFreezes() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("fake-cgroup"));
        Files.writeString(dir.resolve("cgroup.freeze"), "0");
        Files.writeString(dir.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        return dir;
    }
}
