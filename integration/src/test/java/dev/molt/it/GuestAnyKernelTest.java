package dev.molt.it;

import static dev.molt.it.QemuGuest.OLD_KERNEL;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Across kernel releases (issue 11): the guest boots bookworm's 6.1.0-50 with bookworm's CRIU
 * 3.17.1 configured and forky's 4.2.1 staged on the root disk (/var/lib/molt/criu/4.2.1/criu).
 * Molt moves the workload to Debian forky's 7.2.12 and back: 3.17.1 cannot restore on 7.2, so Molt
 * must choose 4.2.1 for the restore there, and 4.2.1 again on the way back (its images are 4.2.1's).
 * Without the staged CRIU the upgrade is refused at preflight, and nothing is parked.
 */
@Tag("guest")
class GuestAnyKernelTest {
    static final String FORKY_KERNEL = "7.2.12+deb14-amd64";
    static final String STAGED = "/var/lib/molt/criu/4.2.1";

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void moltMovesTheWorkloadTo72AndBackAndRefusesWithoutTheCriuThatRestoresThere() throws Exception {
        try (QemuGuest guest = QemuGuest.boot("ak-it")) {
            GuestWorkload workload = GuestWorkload.start(guest);
            guest.awaitMoltd(Duration.ofMinutes(3));
            try (HostTcpClient client = HostTcpClient.connect(guest.hostPort(QemuGuest.WORKLOAD_PORT))) {
                client.awaitAnswersFrom(OLD_KERNEL, 10, Duration.ofSeconds(60));

                // 1. Only bookworm's CRIU: refused at preflight, the workload never frozen.
                guest.sh("mv " + STAGED + " " + STAGED + ".off");
                Molt.Result refused = upgradeTo(guest, workload, FORKY_KERNEL);
                System.out.println(refused);
                assertThat(refused.exit()).as("refused: %s", refused).isNotZero();
                assertThat(refused.out() + refused.err()).contains("ABORTED").contains("criu-target")
                        .contains("kernel " + FORKY_KERNEL)
                        .contains("found CRIU 3.17.1 at /usr/sbin/criu")
                        .contains("needed CRIU 4.2.1 or newer");
                assertThat(guest.console()).as("never parked").doesNotContain("MOLT-EVENT park-start");
                guest.sh("mv " + STAGED + ".off " + STAGED);

                // 2. 6.1 -> 7.2: dumped by 3.17.1, restored at boot by the staged 4.2.1.
                Molt.Result up = upgradeTo(guest, workload, FORKY_KERNEL);
                System.out.println(up.out());
                assertThat(up.exit()).as("molt upgrade to 7.2: %s", up).isZero();
                assertThat(up.out()).contains("DONE").contains(OLD_KERNEL + " -> " + FORKY_KERNEL)
                        .contains("CRIU: dumped by 3.17.1 /usr/sbin/criu, restored by 4.2.1 " + STAGED + "/criu")
                        .contains("seed-wait");
                client.awaitAnswersFrom(FORKY_KERNEL, 20, Duration.ofSeconds(120));
                assertThat(guest.sh("uname -r").strip()).isEqualTo(FORKY_KERNEL);
                assertWorkloadWhole(guest, workload);

                // 3. 7.2 -> 6.1: moltd on 7.2 runs 4.2.1 (3.17.1 cannot), and 4.2.1 restores on 6.1.
                guest.awaitMoltd(Duration.ofMinutes(3));
                Molt.Result down = upgradeTo(guest, workload, OLD_KERNEL);
                System.out.println(down.out());
                assertThat(down.exit()).as("molt upgrade back to 6.1: %s", down).isZero();
                assertThat(down.out()).contains("DONE").contains(FORKY_KERNEL + " -> " + OLD_KERNEL)
                        .contains("CRIU: dumped by 4.2.1 " + STAGED + "/criu, restored by 4.2.1 " + STAGED + "/criu");
                long before = client.answersFrom(OLD_KERNEL);
                client.awaitAnswersFrom(OLD_KERNEL, (int) before + 20, Duration.ofSeconds(120));
                assertThat(guest.sh("uname -r").strip()).isEqualTo(OLD_KERNEL);

                assertThat(client.error()).as("the host's one connection").isEmpty();
                List<String> kernels = client.answers().stream().map(HostTcpClient.Answer::kernel).toList();
                assertThat(collapse(kernels)).as("answers from 6.1, then 7.2, then 6.1, on one connection")
                        .containsExactly(OLD_KERNEL, FORKY_KERNEL, OLD_KERNEL);
                assertThat(client.answers()).extracting(HostTcpClient.Answer::pid).containsOnly(Long.toString(workload.rootPid));
                System.out.println("host client: longest wait for an answer " + client.longestWait().toMillis() + " ms");
            }
            assertWorkloadWhole(guest, workload);
            assertThat(collapse(GuestWorkload.ticks(guest).stream().map(GuestWorkload.Tick::kernel).toList()))
                    .containsExactly(OLD_KERNEL, FORKY_KERNEL, OLD_KERNEL);
            List<String> local = GuestWorkload.localClientLines(guest);
            assertThat(local).anyMatch(l -> l.endsWith(FORKY_KERNEL + " " + FORKY_KERNEL))
                    .anyMatch(l -> l.endsWith(OLD_KERNEL + " " + OLD_KERNEL));
            assertThat(guest.sh("nft list tables").strip()).as("no lock or guard left").isEmpty();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void whenTheRestoreOn72FailsMoltGoesBackTo61AndRestoresThere() throws Exception {
        try (QemuGuest guest = QemuGuest.boot("ak-it-rollback")) {
            GuestWorkload workload = GuestWorkload.start(guest);
            guest.awaitMoltd(Duration.ofMinutes(3));
            // The fault: the 7.2 boot finds the staged CRIU 4.2.1 gone (rc's test hook renames it
            // before the restore). The boot hook's planned CRIU is missing, and moltd's fallback,
            // bookworm's 3.17.1, cannot restore on 7.2: Molt kexecs back to 6.1 and restores there
            // with 3.17.1, the CRIU it chooses for 6.1 and 3.17.1's images.
            String cmdline = guest.sh("cat /proc/cmdline").strip() + " molt_test_remove=" + STAGED;
            try (HostTcpClient client = HostTcpClient.connect(guest.hostPort(QemuGuest.WORKLOAD_PORT))) {
                client.awaitAnswersFrom(OLD_KERNEL, 10, Duration.ofSeconds(60));
                Molt.Result upgrade = guest.molt(Duration.ofMinutes(25), "upgrade", "-w", "pid:" + workload.rootPid,
                        "--switch", "kexec", "--kernel", "/boot/vmlinuz-" + FORKY_KERNEL,
                        "--initrd", "/boot/initrd.img-" + FORKY_KERNEL, "--cmdline", cmdline, "--tcp");
                System.out.println(upgrade.out());
                assertThat(upgrade.exit()).as("ROLLED_BACK exits 1: %s", upgrade).isEqualTo(1);
                assertThat(upgrade.out()).contains("ROLLED_BACK").contains("restore on " + FORKY_KERNEL + " failed")
                        .contains("restored by 3.17.1 /usr/sbin/criu");
                long answered = client.answersFrom(OLD_KERNEL);
                client.awaitAnswersFrom(OLD_KERNEL, (int) answered + 20, Duration.ofSeconds(120));
                assertThat(client.error()).as("the host's one connection").isEmpty();
                assertThat(client.answers()).extracting(HostTcpClient.Answer::kernel).containsOnly(OLD_KERNEL);
            }
            assertThat(guest.console()).contains("MOLT-EVENT test-fault uptime=").contains("removed=" + STAGED)
                    .contains("boot-restore-failed");
            assertThat(guest.sh("uname -r").strip()).isEqualTo(OLD_KERNEL);
            assertWorkloadWhole(guest, workload);
            assertThat(GuestWorkload.ticks(guest)).extracting(GuestWorkload.Tick::kernel).containsOnly(OLD_KERNEL);
            assertThat(guest.sh("nft list tables").strip()).as("no lock or guard left").isEmpty();
        }
    }

    private static Molt.Result upgradeTo(QemuGuest guest, GuestWorkload workload, String kernel) throws Exception {
        return guest.molt(Duration.ofMinutes(15), "upgrade", "-w", "pid:" + workload.rootPid, "--switch", "kexec",
                "--kernel", "/boot/vmlinuz-" + kernel, "--initrd", "/boot/initrd.img-" + kernel, "--tcp");
    }

    /** Same pids, one counter with no gap in its sequence. */
    private static void assertWorkloadWhole(QemuGuest guest, GuestWorkload workload) throws Exception {
        assertThat(guest.sh("for p in " + String.join(" ", workload.pids().stream().map(String::valueOf).toList())
                + "; do [ -d /proc/$p ] && printf '%s ' $p; done").strip())
                .as("the workload's pids").isEqualTo(workload.rootPid + " " + workload.counterPid + " " + workload.localClientPid);
        List<GuestWorkload.Tick> ticks = GuestWorkload.ticks(guest);
        assertThat(ticks).extracting(GuestWorkload.Tick::pid).containsOnly(workload.counterPid);
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i).seq()).as("counter line %d follows %d", i, i - 1).isEqualTo(ticks.get(i - 1).seq() + 1);
        }
        assertThat(GuestWorkload.localClientLines(guest)).as("the guest-local connection").noneMatch(l -> l.startsWith("ERROR"));
    }

    /** Runs of equal values collapsed: [a, a, b, b, a] -> [a, b, a]. */
    private static List<String> collapse(List<String> values) {
        List<String> runs = new java.util.ArrayList<>();
        for (String v : values) {
            if (runs.isEmpty() || !runs.getLast().equals(v)) {
                runs.add(v);
            }
        }
        return runs;
    }
}
