package dev.molt.it;

import static dev.molt.it.QemuGuest.NEW_KERNEL;
import static dev.molt.it.QemuGuest.OLD_KERNEL;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Livepatches for real: a Debian guest under QEMU boots 6.1.0-56 with Molt installed, and the
 * operator on the host runs {@code molt patch ...}, {@code molt plan --to} and {@code molt upgrade
 * --to} through the forwarded API port. The test modules (integration/src/test/livepatch) are built
 * by this test on the host against Debian's linux-headers with gcc-12
 * (integration/guest/build-livepatch.sh), for 6.1.0-56 (the running kernel) and 6.1.0-50 (the
 * wrong one), and copied into the guest; nothing is ever loaded on the host.
 *
 * <p>One guest for every scenario, in order: each leaves no patch loaded; the last one kexecs.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LivepatchGuestTest {
    static final String LP = "/root/lp";
    static final String RIGHT = LP + "/" + NEW_KERNEL;
    static final String WRONG = LP + "/" + OLD_KERNEL;
    static final String EQUIVALENT = "6.1.0-57-amd64";

    QemuGuest guest;
    String bootCmdline;

    @BeforeAll
    void bootTheGuestWithTheModules() throws Exception {
        Path right = buildModules(NEW_KERNEL);
        Path wrong = buildModules(OLD_KERNEL);
        guest = QemuGuest.boot("lp-it", NEW_KERNEL);
        guest.sh("mkdir -p " + RIGHT + " " + WRONG);
        for (String ko : List.of("molt_lp_cmdline_a.ko", "molt_lp_cmdline_b.ko", "molt_lp_target.ko", "molt_lp_target_fix.ko")) {
            guest.put(right.resolve(ko), RIGHT + "/" + ko);
        }
        guest.put(wrong.resolve("molt_lp_cmdline_a.ko"), WRONG + "/molt_lp_cmdline_a.ko");
        guest.awaitMoltd(Duration.ofMinutes(3));
        assertThat(guest.sh("uname -r").strip()).isEqualTo(NEW_KERNEL);
        bootCmdline = guest.sh("cat /proc/cmdline").strip();
    }

    @AfterAll
    void stopTheGuest() throws Exception {
        if (guest != null) {
            guest.close();
        }
    }

    /**
     * Every scenario starts without livepatches and without sleepers, even after one that failed:
     * sleepers are released and whatever patch is left is reverted through Molt.
     */
    @AfterEach
    void releaseSleepersAndRevertLeftovers() throws Exception {
        if (guest == null || !guest.sh("uname -r").strip().equals(NEW_KERNEL)) {
            return;
        }
        guest.sh("[ ! -e /dev/molt_lp_sleep_s ] || { echo x > /dev/molt_lp_sleep_s; echo x > /dev/molt_lp_sleep_d; }; true");
        for (String patch : guest.sh("ls /sys/kernel/livepatch").strip().split("\\s+")) {
            if (!patch.isBlank()) {
                System.out.println("cleanup: " + guest.molt(Duration.ofMinutes(3), "patch", "revert", patch));
            }
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aModuleBuiltForAnotherKernelIsRefusedAndNothingIsLoaded() throws Exception {
        Molt.Result apply = guest.molt(Duration.ofMinutes(2), "patch", "apply", WRONG + "/molt_lp_cmdline_a.ko");

        assertThat(apply.exit()).as("%s", apply).isEqualTo(3);
        assertThat(apply.err()).contains("built for kernel " + OLD_KERNEL).contains("this kernel is " + NEW_KERNEL)
                .contains("nothing was loaded");
        assertThat(guest.sh("grep -c '^molt_lp' /proc/modules || true").strip()).isEqualTo("0");
        assertThat(guest.sh("ls /sys/kernel/livepatch").strip()).isEmpty();
        assertThat(guest.sh("cat /proc/cmdline").strip()).isEqualTo(bootCmdline);
    }

    @Test
    @Order(2)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void applyChangesProcCmdlineAndListShowsItThenRevertRestoresItAndUnloadsTheModule() throws Exception {
        long t0 = System.nanoTime();
        Molt.Result apply = guest.molt(Duration.ofMinutes(3), "patch", "apply", RIGHT + "/molt_lp_cmdline_a.ko");
        long applyMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(apply);

        assertExit(apply, 0);
        assertThat(apply.out()).contains("COMPLETED").contains("molt_lp_cmdline_a is live");
        assertThat(apply.err()).contains("patching molt_lp_cmdline_a: 0 tasks remaining");
        assertThat(guest.sh("cat /proc/cmdline").strip()).isEqualTo(bootCmdline + " molt_livepatch=a");
        assertThat(guest.sh("cat /sys/kernel/livepatch/molt_lp_cmdline_a/transition").strip()).isEqualTo("0");

        Molt.Result list = guest.molt(Duration.ofMinutes(1), "patch", "list");
        System.out.println(list.out());
        assertThat(list.out()).containsPattern("molt_lp_cmdline_a +yes +no +\\S+ +vmlinux: cmdline_proc_show");

        t0 = System.nanoTime();
        Molt.Result revert = guest.molt(Duration.ofMinutes(3), "patch", "revert", "molt_lp_cmdline_a");
        long revertMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(revert);

        assertExit(revert, 0);
        assertThat(revert.out()).contains("COMPLETED").contains("reverted and its module unloaded");
        assertThat(guest.sh("cat /proc/cmdline").strip()).isEqualTo(bootCmdline);
        assertThat(guest.sh("ls /sys/kernel/livepatch").strip()).isEmpty();
        assertThat(guest.sh("grep -c '^molt_lp_cmdline_a ' /proc/modules || true").strip()).as("module removed").isEqualTo("0");
        assertThat(guest.molt(Duration.ofMinutes(1), "patch", "list").out()).contains("no livepatch loaded");
        System.out.println("livepatch measured: molt patch apply (CLI round trip) " + applyMs + " ms, revert " + revertMs + " ms");
    }

    @Test
    @Order(3)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aCumulativePatchBAtomicallyReplacesPatchA() throws Exception {
        assertExit(guest.molt(Duration.ofMinutes(3), "patch", "apply", RIGHT + "/molt_lp_cmdline_a.ko"), 0);

        Molt.Result b = guest.molt(Duration.ofMinutes(3), "patch", "apply", RIGHT + "/molt_lp_cmdline_b.ko");
        System.out.println(b);

        assertExit(b, 0);
        assertThat(b.out()).contains("COMPLETED").contains("it replaced molt_lp_cmdline_a");
        assertThat(guest.sh("cat /proc/cmdline").strip()).isEqualTo(bootCmdline + " molt_livepatch=b");
        assertThat(guest.sh("ls /sys/kernel/livepatch").strip()).isEqualTo("molt_lp_cmdline_b");
        assertThat(guest.sh("grep -c '^molt_lp_cmdline_a ' /proc/modules || true").strip())
                .as("the replaced patch's module is unloaded").isEqualTo("0");
        assertThat(guest.molt(Duration.ofMinutes(1), "patch", "list").out())
                .containsPattern("molt_lp_cmdline_b +yes +no +yes +vmlinux: cmdline_proc_show")
                .doesNotContain("molt_lp_cmdline_a");

        assertExit(guest.molt(Duration.ofMinutes(3), "patch", "revert", "molt_lp_cmdline_b"), 0);
        assertThat(guest.sh("cat /proc/cmdline").strip()).isEqualTo(bootCmdline);
    }

    @Test
    @Order(4)
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void anInterruptibleSleeperHoldsTheTransitionUntilNudgedThenItCompletes() throws Exception {
        loadTarget();
        long sleeper = startSleeper("s");

        Molt.Result apply = guest.molt(Duration.ofMinutes(4), "patch", "apply", RIGHT + "/molt_lp_target_fix.ko",
                "--grace", "3s", "--transition-timeout", "90s");
        System.out.println(apply);

        assertExit(apply, 0);
        assertThat(apply.err()).contains("patching molt_lp_target_fix: 1 task remaining")
                .contains("sent SIGSTOP/SIGCONT to pid " + sleeper + " 'cat' state S in molt_target_sleep_s");
        assertThat(apply.out()).contains("COMPLETED").contains("(1 nudged)");
        long transitionMs = Long.parseLong(apply.out().replaceAll("(?s).*switched in (\\d+) ms.*", "$1"));
        assertThat(transitionMs).as("nudged at 3 s, before the kernel's own fake signal at ~15 s").isLessThan(12_000);
        // The woken reader runs the fixed function now: released, it answers "new".
        guest.sh("echo x > /dev/molt_lp_sleep_s");
        Poll.until(Duration.ofSeconds(30), "the reader to finish", () -> !guest.sh("cat /tmp/sleeper-s.out").isBlank());
        assertThat(guest.sh("cat /tmp/sleeper-s.out").strip()).isEqualTo("new");
        System.out.println("livepatch measured: transition with an interruptible sleeper nudged after 3 s: " + transitionMs + " ms");

        Molt.Result revert = guest.molt(Duration.ofMinutes(3), "patch", "revert", "molt_lp_target_fix");
        assertExit(revert, 0);
    }

    @Test
    @Order(5)
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void anUninterruptibleSleeperIsReportedWithItsStackAndTheTransitionIsReversedAtTheTimeout() throws Exception {
        loadTarget();
        long sleeper = startSleeper("d");

        Molt.Result apply = guest.molt(Duration.ofMinutes(4), "patch", "apply", RIGHT + "/molt_lp_target_fix.ko",
                "--grace", "2s", "--transition-timeout", "10s");
        System.out.println(apply);

        assertExit(apply, 1);
        assertThat(apply.out()).contains("REVERSED").contains("did not complete within 10 s and was reversed")
                .contains("blocked by pid " + sleeper + " 'cat' state D")
                .contains("molt_target_sleep_d+");
        assertThat(apply.err()).contains("timeout: blocked by pid " + sleeper + " 'cat' state D in molt_target_sleep_d");
        assertThat(guest.sh("ls /sys/kernel/livepatch").strip()).isEmpty();
        assertThat(guest.sh("grep -c '^molt_lp_target_fix ' /proc/modules || true").strip())
                .as("the reversed patch's module is unloaded").isEqualTo("0");
        guest.sh("echo x > /dev/molt_lp_sleep_d");
        Poll.until(Duration.ofSeconds(30), "the reader to finish", () -> !guest.sh("cat /tmp/sleeper-d.out").isBlank());
        assertThat(guest.sh("cat /tmp/sleeper-d.out").strip()).as("still the old function").isEqualTo("old");
    }

    @Test
    @Order(6)
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void aLivepatchOperationSurvivesARestartOfTheCoordinator() throws Exception {
        loadTarget();
        startSleeper("d");
        Path out = Files.createTempFile("molt-patch-apply", ".out");
        Process apply = guest.moltStarted(out, "patch", "apply", RIGHT + "/molt_lp_target_fix.ko",
                "--grace", "2s", "--transition-timeout", "300s");
        Poll.until(Duration.ofMinutes(2), "the transition to start", () ->
                guest.sh("cat /sys/kernel/livepatch/molt_lp_target_fix/transition 2>/dev/null || true").strip().equals("1"));

        // SIGKILL the daemon's JVM (its launcher exits too), then start it again as the guest's rc does.
        // [.] keeps the pattern from matching the shell that runs this very command.
        String jvm = guest.sh("pgrep -f 'java.*dev[.]molt[.]daemon[.]Moltd' | head -1").strip();
        guest.sh("kill -9 " + jvm);
        assertThat(apply.waitFor(60, TimeUnit.SECONDS)).as("the CLI sees the daemon go").isTrue();
        guest.sh(". /etc/molt/guest.env; . /etc/default/moltd; setsid -f /opt/molt/bin/moltd $MOLTD_ARGS"
                + " </dev/null >>/var/log/molt/moltd.log 2>&1");
        guest.awaitMoltd(Duration.ofMinutes(3));
        assertThat(guest.sh("cat /sys/kernel/livepatch/molt_lp_target_fix/transition").strip())
                .as("still held by the D sleeper").isEqualTo("1");

        guest.sh("echo x > /dev/molt_lp_sleep_d");
        Poll.until(Duration.ofMinutes(2), "the resumed operation to end", () ->
                guest.molt(Duration.ofMinutes(1), "patch", "history", "--limit", "1").out().contains("COMPLETED"));
        String history = guest.molt(Duration.ofMinutes(1), "patch", "history", "--limit", "1").out();
        System.out.println(history);
        assertThat(history).contains("apply").contains("molt_lp_target_fix").contains("is live");
        assertThat(guest.sh("cat /var/log/molt/moltd.log")).contains("resuming livepatch operation");
        assertExit(guest.molt(Duration.ofMinutes(3), "patch", "revert", "molt_lp_target_fix"), 0);
        Files.deleteIfExists(out);
    }

    @Test
    @Order(7)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void thePlannerChoosesLivepatchOrFullUpgradeAndSaysWhy() throws Exception {
        // 1. A livepatch built for the running kernel that carries the fixes of the release asked for.
        Molt.Result livepatch = plan("--to", EQUIVALENT, "--livepatch", RIGHT + "/molt_lp_cmdline_a.ko");
        assertExit(livepatch, 0);
        assertThat(livepatch.out()).contains("Decision: LIVEPATCH (" + NEW_KERNEL + " -> " + EQUIVALENT + ")")
                .contains("a livepatch built for the running kernel " + NEW_KERNEL + " that carries the fixes of " + EQUIVALENT);

        // 2. The same patch built for another kernel.
        Molt.Result wrongKernel = plan("--to", EQUIVALENT, "--livepatch", WRONG + "/molt_lp_cmdline_a.ko");
        assertThat(wrongKernel.out()).contains("Decision: FULL UPGRADE")
                .contains("built for kernel " + OLD_KERNEL).contains("not for the running " + NEW_KERNEL);
        assertThat(wrongKernel.exit()).as("a full upgrade without workloads cannot pass preflight").isEqualTo(3);

        // 3. No module at all.
        assertThat(plan("--to", EQUIVALENT).out()).contains("Decision: FULL UPGRADE")
                .contains("no livepatch module was offered");

        // 4. Another kernel series: no livepatch carries that.
        assertThat(plan("--to", "7.2.12+deb14-amd64", "--livepatch", RIGHT + "/molt_lp_cmdline_a.ko").out())
                .contains("Decision: FULL UPGRADE").contains("another kernel series")
                .contains("carries the fixes of " + EQUIVALENT + ", not of 7.2.12+deb14-amd64");

        // 5. A module that is no livepatch.
        assertThat(plan("--to", EQUIVALENT, "--livepatch", RIGHT + "/molt_lp_target.ko").out())
                .contains("Decision: FULL UPGRADE").contains("is not a livepatch");

        // 6. Already there.
        assertThat(plan("--to", NEW_KERNEL).out()).contains("Decision: NOTHING TO DO");

        // 7. A full upgrade with its workload: the plan runs the upgrade's preflight too.
        GuestWorkload workload = GuestWorkload.start(guest);
        Molt.Result full = plan("--to", OLD_KERNEL, "--livepatch", RIGHT + "/molt_lp_cmdline_a.ko",
                "-w", "pid:" + workload.rootPid, "--kernel", "/boot/vmlinuz-" + OLD_KERNEL,
                "--initrd", "/boot/initrd.img-" + OLD_KERNEL, "--tcp");
        System.out.println(full.out());
        assertThat(full.out()).contains("Decision: FULL UPGRADE").contains("Preflight passed");
        assertThat(full.exit()).isZero();
        // The fallback scenario starts its own workload on the same port.
        guest.sh("kill -9 " + String.join(" ", workload.pids().stream().map(String::valueOf).toList()));
    }

    @Test
    @Order(8)
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void aReversedLivepatchFallsBackToTheFullUpgradeWhenThePolicySaysSo() throws Exception {
        loadTarget();
        long sleeper = startSleeper("d");
        GuestWorkload workload = GuestWorkload.start(guest);

        // The guest holds only 6.1.0-50 besides the running 6.1.0-56: the fallback's kexec goes there.
        Molt.Result upgrade = guest.molt(Duration.ofMinutes(20), "upgrade", "--to", EQUIVALENT,
                "--livepatch", RIGHT + "/molt_lp_target_fix.ko", "--on-livepatch-failure", "upgrade",
                "--grace", "2s", "--transition-timeout", "8s",
                "-w", "pid:" + workload.rootPid, "--switch", "kexec", "--kernel", "/boot/vmlinuz-" + OLD_KERNEL,
                "--initrd", "/boot/initrd.img-" + OLD_KERNEL, "--tcp");
        System.out.println(upgrade);

        assertThat(upgrade.err()).contains("Decision: LIVEPATCH")
                .contains("timeout: blocked by pid " + sleeper + " 'cat' state D")
                .contains("falling back to the full upgrade");
        assertThat(upgrade.out()).contains("REVERSED").contains("DONE").contains(NEW_KERNEL + " -> " + OLD_KERNEL);
        assertExit(upgrade, 0);
        assertThat(guest.sh("uname -r").strip()).isEqualTo(OLD_KERNEL);
        assertThat(guest.sh("for p in " + String.join(" ", workload.pids().stream().map(String::valueOf).toList())
                + "; do [ -d /proc/$p ] && printf '%s ' $p; done").strip())
                .as("the workload's pids after the fallback upgrade")
                .isEqualTo(workload.rootPid + " " + workload.counterPid + " " + workload.localClientPid);
    }

    /** Fails with the CLI's output and the tail of moltd's log in the guest when the exit code differs. */
    private void assertExit(Molt.Result result, int expected) throws Exception {
        if (result.exit() != expected) {
            throw new AssertionError("expected exit " + expected + ", got " + result + "\n--- moltd.log (tail)\n"
                    + guest.sh("tail -80 /var/log/molt/moltd.log"));
        }
    }

    private Molt.Result plan(String... args) throws Exception {
        String[] full = new String[args.length + 1];
        full[0] = "plan";
        System.arraycopy(args, 0, full, 1, args.length);
        Molt.Result result = guest.molt(Duration.ofMinutes(3), full);
        System.out.println("molt " + String.join(" ", full) + "\n" + result.out() + result.err());
        return result;
    }

    /** The target module (an ordinary module: insmod in the guest), loaded once. */
    private void loadTarget() throws Exception {
        guest.sh("grep -q '^molt_lp_target ' /proc/modules || insmod " + RIGHT + "/molt_lp_target.ko");
    }

    /** A user task reading the device, asleep in molt_target_sleep_KIND; returns its pid. */
    private long startSleeper(String kind) throws Exception {
        guest.sh("rm -f /tmp/sleeper-" + kind + ".out; setsid -f sh -c 'echo $$ > /tmp/sleeper-" + kind
                + ".pid; exec cat /dev/molt_lp_sleep_" + kind + " > /tmp/sleeper-" + kind + ".out' </dev/null >/dev/null 2>&1");
        Poll.until(Duration.ofSeconds(30), "the sleeper to fall asleep in molt_target_sleep_" + kind, () ->
                guest.sh("p=$(cat /tmp/sleeper-" + kind + ".pid 2>/dev/null) && grep -q molt_target_sleep_" + kind
                        + " /proc/$p/stack && echo yes || true").strip().equals("yes"));
        return Long.parseLong(guest.sh("cat /tmp/sleeper-" + kind + ".pid").strip());
    }

    /** Builds the test modules for {@code release} on the host (cached), and prints the time it took. */
    private static Path buildModules(String release) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Tools.repoRoot().resolve("integration/guest/build-livepatch.sh").toString(), release);
        String out = QemuGuest.run(pb, Duration.ofMinutes(10), "integration/guest/build-livepatch.sh " + release);
        Path dir = Path.of(out.strip().lines().reduce((a, b) -> b).orElseThrow());
        System.out.println("livepatch measured: test modules for " + release + " built in "
                + Files.readString(dir.resolve("build_s")).strip() + " s (cached: " + dir + ")");
        return dir;
    }
}
