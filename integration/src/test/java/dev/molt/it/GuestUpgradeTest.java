package dev.molt.it;

import static dev.molt.it.QemuGuest.NEW_KERNEL;
import static dev.molt.it.QemuGuest.OLD_KERNEL;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Molt's main job for real: a Debian guest under QEMU (TCG) boots 6.1.0-50 with Molt installed as
 * a server runs it (moltd started at boot, its store on the root disk), and the operator on the
 * host runs {@code molt --connect ... upgrade --switch kexec} through QEMU's port forwarding. The
 * workload, its counter and its TCP connections (one from the host, one inside the guest) must
 * come through on 6.1.0-56 with the same pids, no gap and no reset.
 *
 * <p>Tagged "guest": not part of the default build (one guest run takes minutes under TCG);
 * run with {@code ./mvnw -pl integration verify -Pguest} (after an install of the other modules).
 */
@Tag("guest")
class GuestUpgradeTest {

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void anUpgradeMovesTheWorkloadAndItsConnectionsOntoTheNewKernel() throws Exception {
        try (QemuGuest guest = QemuGuest.boot("molt-it")) {
            GuestWorkload workload = GuestWorkload.start(guest);
            guest.awaitMoltd(Duration.ofMinutes(3));
            Molt.Result upgrade;
            HostTcpClient.Answer[] longest = new HostTcpClient.Answer[1];
            try (HostTcpClient client = HostTcpClient.connect(guest.hostPort(QemuGuest.WORKLOAD_PORT))) {
                client.awaitAnswersFrom(OLD_KERNEL, 10, Duration.ofSeconds(60));

                upgrade = guest.molt(Duration.ofMinutes(15), "upgrade", "-w", "pid:" + workload.rootPid,
                        "--switch", "kexec", "--kernel", "/boot/vmlinuz-" + NEW_KERNEL,
                        "--initrd", "/boot/initrd.img-" + NEW_KERNEL, "--tcp");
                System.out.println(upgrade.out());

                assertThat(upgrade.exit()).as("molt upgrade: %s", upgrade).isZero();
                assertThat(upgrade.out()).contains("DONE").contains(OLD_KERNEL + " -> " + NEW_KERNEL);
                assertThat(upgrade.out()).as("restored by the boot hook: moltd's start is not in the stop")
                        .doesNotContain("coordinator-start");
                client.awaitAnswersFrom(NEW_KERNEL, 20, Duration.ofSeconds(120));
                assertThat(client.error()).as("the host's one connection").isEmpty();
                List<String> kernels = client.answers().stream().map(HostTcpClient.Answer::kernel).toList();
                int firstNew = kernels.indexOf(NEW_KERNEL);
                assertThat(kernels.subList(0, firstNew)).containsOnly(OLD_KERNEL);
                assertThat(kernels.subList(firstNew, kernels.size())).containsOnly(NEW_KERNEL);
                assertThat(client.answers()).extracting(HostTcpClient.Answer::pid).containsOnly(Long.toString(workload.rootPid));
                System.out.println("host client: longest wait for an answer " + client.longestWait().toMillis() + " ms");
            }

            assertThat(guest.sh("uname -r").strip()).isEqualTo(NEW_KERNEL);
            assertThat(guest.sh("cat /proc/cmdline")).as("the fast boot skipped the crypto self-tests").contains("cryptomgr.notests");
            assertThat(guest.sh("for p in " + String.join(" ", workload.pids().stream().map(String::valueOf).toList())
                    + "; do [ -d /proc/$p ] && printf '%s ' $p; done").strip())
                    .as("the workload's pids after the upgrade").isEqualTo(workload.rootPid + " " + workload.counterPid
                            + " " + workload.localClientPid);
            List<GuestWorkload.Tick> ticks = GuestWorkload.ticks(guest);
            assertThat(ticks).extracting(GuestWorkload.Tick::pid).containsOnly(workload.counterPid);
            for (int i = 1; i < ticks.size(); i++) {
                assertThat(ticks.get(i).seq()).as("counter line %d follows %d", i, i - 1).isEqualTo(ticks.get(i - 1).seq() + 1);
            }
            assertThat(ticks).extracting(GuestWorkload.Tick::kernel).contains(OLD_KERNEL, NEW_KERNEL);

            List<String> local = GuestWorkload.localClientLines(guest);
            assertThat(local).as("the guest-local connection").noneMatch(l -> l.startsWith("ERROR"));
            assertThat(local).anyMatch(l -> l.endsWith(OLD_KERNEL + " " + OLD_KERNEL))
                    .anyMatch(l -> l.endsWith(NEW_KERNEL + " " + NEW_KERNEL));

            assertThat(guest.sh("nft list tables").strip()).as("no lock or guard left").isEmpty();
            assertThat(guest.sh("cat /proc/sys/net/ipv4/tcp_window_scaling").strip()).isEqualTo("1");
        }
    }

    @Test
    @Timeout(value = 25, unit = TimeUnit.MINUTES)
    void aRestoreThatFailsInTheNewKernelRollsBackToTheOldOneAndRestoresThere() throws Exception {
        try (QemuGuest guest = QemuGuest.boot("molt-it-rollback")) {
            GuestWorkload workload = GuestWorkload.start(guest);
            guest.awaitMoltd(Duration.ofMinutes(3));
            // The guest's moltd uses the fast boot (an ELF kernel by kexec_load); this scenario
            // takes the default loader instead, kexec_file_load of the bzImage, both ways.
            guest.useKexecLoader("syscall");
            // The fault: the new kernel's boot takes the workload's root pid (rc's test hook), so
            // CRIU cannot give the tree its pids back there. The old kernel's command line has no
            // such argument, so the restore works after the switch back.
            String cmdline = guest.sh("cat /proc/cmdline").strip() + " molt_test_take_pids=" + workload.rootPid;
            Molt.Result upgrade;
            try (HostTcpClient client = HostTcpClient.connect(guest.hostPort(QemuGuest.WORKLOAD_PORT))) {
                client.awaitAnswersFrom(OLD_KERNEL, 10, Duration.ofSeconds(60));

                upgrade = guest.molt(Duration.ofMinutes(20), "upgrade", "-w", "pid:" + workload.rootPid,
                        "--switch", "kexec", "--kernel", "/boot/vmlinuz-" + NEW_KERNEL,
                        "--initrd", "/boot/initrd.img-" + NEW_KERNEL, "--cmdline", cmdline, "--tcp");
                System.out.println(upgrade.out());

                assertThat(upgrade.exit()).as("molt upgrade exits 1 for ROLLED_BACK: %s", upgrade).isEqualTo(1);
                assertThat(upgrade.out()).contains("ROLLED_BACK");
                // Answered again after the restore on the old kernel: more answers than before it,
                // and one request that waited through the whole stop.
                long answered = client.answersFrom(OLD_KERNEL);
                client.awaitAnswersFrom(OLD_KERNEL, (int) answered + 20, Duration.ofSeconds(120));
                assertThat(client.longestWait()).isGreaterThan(Duration.ofSeconds(5));
                assertThat(client.error()).as("the host's one connection").isEmpty();
                assertThat(client.answers()).extracting(HostTcpClient.Answer::kernel).containsOnly(OLD_KERNEL);
                System.out.println("host client: longest wait for an answer " + client.longestWait().toMillis() + " ms");
            }
            assertThat(guest.console()).contains("MOLT-EVENT test-fault uptime=").contains("kernel=" + NEW_KERNEL);

            String journal = guest.molt(Duration.ofMinutes(1), "upgrades", "list").out();
            assertThat(journal).as("the journal says why").contains("ROLLED_BACK")
                    .contains("restore on " + NEW_KERNEL + " failed")
                    .contains("pid " + workload.rootPid).contains("taken by 'sleep'");

            assertThat(guest.sh("uname -r").strip()).isEqualTo(OLD_KERNEL);
            assertThat(guest.sh("for p in " + String.join(" ", workload.pids().stream().map(String::valueOf).toList())
                    + "; do [ -d /proc/$p ] && printf '%s ' $p; done").strip())
                    .isEqualTo(workload.rootPid + " " + workload.counterPid + " " + workload.localClientPid);
            List<GuestWorkload.Tick> ticks = GuestWorkload.ticks(guest);
            assertThat(ticks).extracting(GuestWorkload.Tick::pid).containsOnly(workload.counterPid);
            for (int i = 1; i < ticks.size(); i++) {
                assertThat(ticks.get(i).seq()).as("counter line %d follows %d", i, i - 1).isEqualTo(ticks.get(i - 1).seq() + 1);
            }
            assertThat(ticks).extracting(GuestWorkload.Tick::kernel).containsOnly(OLD_KERNEL);
            List<String> local = GuestWorkload.localClientLines(guest);
            assertThat(local).as("the guest-local connection").noneMatch(l -> l.startsWith("ERROR"));
            assertThat(guest.sh("nft list tables").strip()).as("no lock or guard left").isEmpty();
        }
    }
}
