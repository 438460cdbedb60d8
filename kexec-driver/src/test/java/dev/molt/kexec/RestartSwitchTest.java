package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The restart switch on real processes this test starts (and SIGKILLs). */
class RestartSwitchTest {

    final List<Process> started = new ArrayList<>();
    final List<List<Boolean>> restarts = new ArrayList<>();

    @AfterEach
    void endEverythingStarted() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void executeEndsTheDumpedProcessesThenRestarts() throws Exception {
        Process a = start("sleep", "1000");
        Process b = start("sleep", "1000");
        RestartSwitch restart = new RestartSwitch(() -> List.of(a.pid(), b.pid()), recordingRestarter(a, b));
        restart.prepare(new SwitchPlan(Path.of("/boot/vmlinuz"), null, null));

        restart.execute();

        // Ended means a zombie at least: the JVM's reaper collects it a moment later.
        assertThat(a.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(b.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(restarts).as("one restart, after both were gone").containsExactly(List.of(false, false));
    }

    @Test
    void executeEndsAPidNamespaceTreeThroughItsInit() throws Exception {
        Process unshare = start("unshare", "--pid", "--fork", "setsid", "sleep", "1000");
        ProcessHandle nsInit = awaitChild(unshare);
        RestartSwitch restart = new RestartSwitch(() -> List.of(nsInit.pid()), () -> restarts.add(List.of()));
        restart.prepare(new SwitchPlan(Path.of("/boot/vmlinuz"), null, null));

        restart.execute();

        assertThat(nsInit.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        assertThat(unshare.waitFor(10, TimeUnit.SECONDS)).as("unshare exits once its child is gone").isTrue();
        assertThat(restarts).hasSize(1);
    }

    @Test
    void pidsThatAreAlreadyGoneAreFine() throws Exception {
        Process done = start("true");
        done.waitFor();
        RestartSwitch restart = new RestartSwitch(() -> List.of(done.pid()), () -> restarts.add(List.of()));
        restart.prepare(new SwitchPlan(Path.of("/nonexistent/vmlinuz"), null, ""));

        restart.execute();

        assertThat(restarts).hasSize(1);
    }

    @Test
    void prepareValidatesNothingAboutKernels() throws Exception {
        RestartSwitch restart = new RestartSwitch(List::of, () -> restarts.add(List.of()));

        restart.prepare(new SwitchPlan(Path.of("/nonexistent/vmlinuz"), Path.of("/nonexistent/initrd"), null));
        restart.execute();

        assertThat(restarts).hasSize(1);
        assertThat(restart.name()).isEqualTo("restart");
    }

    @Test
    void execute_error_withoutPrepareEndsNothing() throws Exception {
        Process a = start("sleep", "1000");
        RestartSwitch restart = new RestartSwitch(() -> List.of(a.pid()), () -> restarts.add(List.of()));

        assertThatThrownBy(restart::execute).isInstanceOfSatisfying(SwitchException.class,
                e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_PREPARED));
        assertThat(a.isAlive()).isTrue();
        assertThat(restarts).isEmpty();
    }

    @Test
    void execute_error_afterCancelEndsNothing() throws Exception {
        Process a = start("sleep", "1000");
        RestartSwitch restart = new RestartSwitch(() -> List.of(a.pid()), () -> restarts.add(List.of()));
        restart.prepare(new SwitchPlan(Path.of("/boot/vmlinuz"), null, null));
        restart.cancel();
        restart.cancel();

        assertThatThrownBy(restart::execute).isInstanceOf(SwitchException.class);
        assertThat(a.isAlive()).isTrue();
    }

    @Test
    void execute_error_refusesToEndInitOrTheCoordinatorAndEndsNothing() throws Exception {
        Process a = start("sleep", "1000");
        long self = ProcessHandle.current().pid();
        for (long forbidden : List.of(1L, self, ProcessHandle.current().parent().orElseThrow().pid(), 0L)) {
            RestartSwitch restart = new RestartSwitch(() -> List.of(a.pid(), forbidden), () -> restarts.add(List.of()));
            restart.prepare(new SwitchPlan(Path.of("/boot/vmlinuz"), null, null));

            assertThatThrownBy(restart::execute)
                    .isInstanceOfSatisfying(SwitchException.class,
                            e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.INVALID_PLAN))
                    .hasMessageStartingWith("refusing to end pid " + forbidden);
        }
        assertThat(a.isAlive()).isTrue();
        assertThat(restarts).isEmpty();
    }

    @Test
    void theDaemonsRestarterClosesItsResourcesAndExitsWithTheRestartStatus() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                RestartingMain.class.getName()).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isEqualTo(RestartSwitch.EXIT_RESTART).isEqualTo(75);
        assertThat(output).contains("closed api", "closed store").doesNotContain("after restart");
        assertThat(output.indexOf("closed api")).isLessThan(output.indexOf("closed store"));
    }

    /** Run in a child JVM by the test above. */
    static final class RestartingMain {
        public static void main(String[] args) {
            AutoCloseable failing = () -> {
                throw new IOException("a resource that fails to close does not stop the restart");
            };
            Restarter.exitingJvm(() -> System.out.println("closed api"), failing,
                    () -> System.out.println("closed store")).restart();
            System.out.println("after restart");
        }
    }

    private Restarter recordingRestarter(Process... processes) {
        return () -> {
            List<Boolean> alive = new ArrayList<>();
            for (Process p : processes) {
                // Running, as the switch sees it: a zombie has ended even before the JVM's reaper
                // collects it (Process.isAlive() stays true until then, longer under load).
                alive.add(RestartSwitch.stillRunning(p.toHandle()).isPresent());
            }
            restarts.add(alive);
        };
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    private static ProcessHandle awaitChild(Process parent) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            var child = parent.children().findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        throw new AssertionError("pid " + parent.pid() + " started no child within 10 s");
    }
}
