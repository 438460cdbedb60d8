package dev.molt.kexec.livepatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransitionFollowerTest {
    static final TransitionPolicy POLICY = new TransitionPolicy(Duration.ofMillis(250), Duration.ofSeconds(3),
            Duration.ofSeconds(20), Duration.ofSeconds(20), false);

    @TempDir
    Path dir;

    FakeKernel kernel;
    FakeSignals signals = new FakeSignals();
    FakeTicker ticker = new FakeTicker();
    List<String> events = new ArrayList<>();

    TransitionListener recorder = new TransitionListener() {
        @Override
        public void progress(String patch, boolean patching, Duration elapsed, int remaining) {
            events.add("progress " + remaining);
        }

        @Override
        public void nudged(String patch, List<Straggler> tasks) {
            events.add("nudged " + tasks.stream().map(s -> s.task().tid()).toList());
        }

        @Override
        public void blocked(String patch, List<Straggler> stragglers, boolean forcing) {
            events.add("blocked " + stragglers.stream().map(Straggler::summary).toList() + (forcing ? " forcing" : ""));
        }
    };

    TransitionFollower follower() {
        return new TransitionFollower(new LivepatchSysfs(kernel.sysfs), new ProcTasks(kernel.proc), signals, ticker);
    }

    @Test
    void aTransitionThatEndsOnItsOwnCompletesWithoutNudging() throws Exception {
        kernel = new FakeKernel(dir, "6.1.0-56-amd64").addPatch("p", true, true, "vmlinux")
                .addTask(10, 10, "bash", 'S', false, 0, "");
        ticker.onTick(ms -> {
            if (ms >= 1000) {
                kernel.setTransition("p", false);
                kernel.setAllPatchStates(-1);
            }
        });

        TransitionResult result = follower().follow("p", POLICY, recorder);

        assertThat(result.outcome()).isEqualTo(TransitionResult.Outcome.COMPLETED);
        assertThat(result.elapsed()).isEqualTo(Duration.ofSeconds(1));
        assertThat(signals.nudged).isEmpty();
        assertThat(events).startsWith("progress 1").endsWith("progress 0");
    }

    @Test
    void anInterruptibleSleeperIsNudgedAfterTheGracePeriodAndTheTransitionCompletes() throws Exception {
        kernel = new FakeKernel(dir, "6.1.0-56-amd64").addPatch("p", true, true, "molt_lp_target")
                .addTask(200, 200, "cat", 'S', false, 0, "[<0>] molt_target_sleep_s+0x91/0xd0 [molt_lp_target]")
                .addTask(201, 201, "sshd", 'S', false, 1, "")
                .addTask(3, 3, "kworker/0:1", 'I', true, 1, "");
        // The kernel's answer to SIGSTOP/SIGCONT: the task leaves the kernel and is switched.
        // It then runs the new function: its stack no longer shows the one that held it.
        signals.onNudge(tgid -> {
            kernel.addTask(tgid, tgid, "cat", 'S', false, 1, "[<0>] fixed_sleep+0xf0/0x110 [molt_lp_target_fix]");
            kernel.setTransition("p", false);
        });
        List<String> reported = new ArrayList<>();

        TransitionResult result = follower().follow("p", POLICY, new TransitionListener() {
            @Override
            public void nudged(String patch, List<Straggler> tasks) {
                tasks.forEach(t -> reported.add(t.summary()));
                recorder.nudged(patch, tasks);
            }
        });

        assertThat(result.outcome()).isEqualTo(TransitionResult.Outcome.COMPLETED);
        assertThat(reported).as("the stack as it was before the nudge")
                .containsExactly("pid 200 'cat' state S in molt_target_sleep_s+0x91/0xd0 [molt_lp_target]");
        assertThat(signals.nudged).as("only the task on the old state, once").containsExactly(200);
        assertThat(result.nudged()).isEqualTo(1);
        assertThat(ticker.millis()).as("not before the grace period").isGreaterThanOrEqualTo(3000).isLessThan(4000);
        assertThat(events).contains("nudged [200]");
    }

    @Test
    void anUninterruptibleSleeperIsReportedWithItsStackAndTheTransitionIsReversedAtTheTimeout() throws Exception {
        kernel = new FakeKernel(dir, "6.1.0-56-amd64").addPatch("p", true, true, "molt_lp_target")
                .addTask(300, 300, "cat", 'D', false, 0, "[<0>] molt_target_sleep_d+0x20/0x40 [molt_lp_target]\n[<0>] read_d+0x24/0x38 [molt_lp_target]")
                .addTask(301, 301, "bash", 'S', false, 1, "");
        // Writing enabled=0 reverses: the kernel converges back at once and frees the patch.
        ticker.onTick(ms -> {
            if (!kernel.enabled("p")) {
                kernel.removePatch("p");
            }
        });

        TransitionResult result = follower().follow("p", POLICY, recorder);

        assertThat(result.outcome()).isEqualTo(TransitionResult.Outcome.REVERSED);
        assertThat(signals.nudged).as("a D sleeper cannot be nudged").isEmpty();
        assertThat(result.blockers()).singleElement().satisfies(s -> {
            assertThat(s.task().tid()).isEqualTo(300);
            assertThat(s.stack()).contains("molt_target_sleep_d");
            assertThat(s.summary()).isEqualTo("pid 300 'cat' state D in molt_target_sleep_d+0x20/0x40 [molt_lp_target]");
        });
        assertThat(ticker.millis()).isGreaterThanOrEqualTo(20_000).isLessThan(21_000);
        assertThat(kernel.hasPatch("p")).isFalse();
        assertThat(events).contains("blocked [pid 300 'cat' state D in molt_target_sleep_d+0x20/0x40 [molt_lp_target]]");
    }

    @Test
    void withTheForceFlagTheTimeoutForcesInsteadOfReversing() throws Exception {
        kernel = new FakeKernel(dir, "6.1.0-56-amd64").addPatch("p", true, true, "molt_lp_target")
                .addTask(300, 300, "cat", 'D', false, 0, "[<0>] molt_target_sleep_d+0x20/0x40 [molt_lp_target]");
        ticker.onTick(ms -> {
            if (kernel.forced("p")) {
                kernel.setTransition("p", false);
            }
        });

        TransitionResult result = follower().follow("p", POLICY.withForce(true), recorder);

        assertThat(result.outcome()).isEqualTo(TransitionResult.Outcome.FORCED);
        assertThat(kernel.enabled("p")).isTrue();
        assertThat(result.blockers()).extracting(s -> s.task().tid()).containsExactly(300);
        assertThat(events).anyMatch(e -> e.startsWith("blocked") && e.endsWith("forcing"));
    }

    @Test
    void aReversalThatStallsTooIsReportedStuckWithEveryBlocker() throws Exception {
        kernel = new FakeKernel(dir, "6.1.0-56-amd64").addPatch("p", true, true, "molt_lp_target")
                .addTask(300, 300, "cat", 'D', false, 0, "old")
                .addTask(400, 400, "dd", 'D', false, 1, "new");

        TransitionResult result = follower().follow("p", POLICY, recorder);

        assertThat(result.outcome()).isEqualTo(TransitionResult.Outcome.REVERSAL_STUCK);
        assertThat(result.blockers()).extracting(s -> s.task().tid()).containsExactly(300, 400);
        assertThat(kernel.enabled("p")).isFalse();
    }

    @Test
    void aPatchThatIsNotInTransitionCompletesAtOnce() throws Exception {
        kernel = new FakeKernel(dir, "6.1.0-56-amd64").addPatch("p", true, false, "vmlinux");

        assertThat(follower().follow("p", POLICY, recorder).outcome()).isEqualTo(TransitionResult.Outcome.COMPLETED);
        assertThat(follower().follow("absent", POLICY, recorder).outcome()).isEqualTo(TransitionResult.Outcome.COMPLETED);
    }

    @Test
    void theUnpatchingDirectionWaitsForTasksStillOnThePatchedState() throws Exception {
        kernel = new FakeKernel(dir, "6.1.0-56-amd64").addPatch("p", false, true, "molt_lp_target")
                .addTask(500, 500, "cat", 'S', false, 1, "[<0>] fixed_sleep+0x1/0x2 [molt_lp_target_fix]")
                .addTask(501, 501, "bash", 'S', false, 0, "");
        signals.onNudge(tgid -> kernel.removePatch("p"));

        TransitionResult result = follower().follow("p", POLICY, recorder);

        assertThat(result.outcome()).isEqualTo(TransitionResult.Outcome.COMPLETED);
        assertThat(signals.nudged).containsExactly(500);
    }
}
