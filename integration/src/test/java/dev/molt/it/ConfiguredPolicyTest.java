package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * moltd's configuration file names the host's protected workloads and its upgrade policy: a real
 * workload in a cgroup of its own, the real daemon reading a real file, real on-host upgrades
 * (restart switch). An upgrade that names no workload protects the configured one; the policy's
 * rules refuse what they forbid before anything is parked or journaled.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class ConfiguredPolicyTest {
    @TempDir
    Path dir;

    TestWorkload workload;
    Molt molt;
    /** The workload's cgroup, made by this test and holding only the workload's processes. */
    Path cgroup;
    String cgroupName;

    @BeforeEach
    void start() throws Exception {
        Tools.criu();
        workload = TestWorkload.start(dir, 64);
        cgroupName = "molt-it-policy-" + UUID.randomUUID().toString().substring(0, 8);
        cgroup = Files.createDirectory(HostProcess.cgroup2Mount().resolve(cgroupName));
        for (long pid : workload.pids()) {
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(pid));
        }
        molt = new Molt(dir);
    }

    @AfterEach
    void stop() throws Exception {
        if (molt != null) {
            molt.close();
        }
        if (workload != null) {
            workload.close();
        }
        if (cgroup != null) {
            Poll.until(Duration.ofSeconds(30), "the workload's cgroup to empty", () -> Files.readString(cgroup.resolve("cgroup.procs")).isBlank());
            Files.delete(cgroup);
        }
    }

    Path config(String extra) throws Exception {
        return Files.writeString(dir.resolve("moltd.conf"), """
                # the host's protected workloads
                workload.counter = cgroup:%s
                %s
                """.formatted(cgroupName, extra));
    }

    @Test
    void anUpgradeNamingNoWorkloadProtectsTheConfiguredOneWithItsTcpConnection() throws Exception {
        molt.withConfig(config("")).startDaemon();
        workload.connect();
        String before = workload.ask("before");

        Molt.Result plan = molt.cli("plan", "--switch", "restart", "-o", "json");
        assertThat(plan.exit()).as(plan.toString()).isZero();
        assertThat(plan.out()).contains(Long.toString(workload.rootPid())).contains("\"policy\"");

        Molt.Result upgrade = molt.cli("upgrade", "--switch", "restart", "--tcp");

        assertThat(upgrade.exit()).as(upgrade.toString()).isZero();
        assertThat(molt.cli("upgrades", "list", "-o", "json").out()).contains("\"cgroup\": \"" + cgroupName + "\"");
        String after = workload.ask("after");
        assertThat(after).as("answered on the same connection after restore").endsWith(" after");
        assertThat(Long.parseLong(after.split(" ")[0])).isGreaterThan(Long.parseLong(before.split(" ")[0]));
        assertThat(workload.ticking(Duration.ofSeconds(30))).isTrue();
        assertThat(molt.log()).contains("protected by default: [counter (cgroup:" + cgroupName + ")]");
    }

    @Test
    void theStopLimitRefusesAnUpgradeOnceThisHostsStopsExceededItAndNothingIsParked() throws Exception {
        molt.withConfig(config("")).startDaemon();
        Molt.Result first = molt.cli("upgrade", "--switch", "restart", "--tcp");
        assertThat(first.exit()).as(first.toString()).isZero();
        molt.close();

        molt.withConfig(config("policy.max_stop = 1ms")).startDaemon();
        Molt.Result plan = molt.cli("plan", "--switch", "restart");
        Molt.Result refused = molt.cli("upgrade", "--switch", "restart", "--tcp");

        assertThat(plan.out() + plan.err()).contains("policy").contains("policy.max_stop is 1ms");
        assertThat(refused.exit()).as(refused.toString()).isEqualTo(ExitCodes.PRECONDITION);
        assertThat(refused.err()).contains("policy.max_stop is 1ms, but this host's upgrades stopped the workloads up to");
        assertThat(molt.cli("upgrades", "list").out().lines().filter(l -> l.contains("DONE")).count())
                .as("the refused upgrade was not journaled").isEqualTo(1);
        assertThat(workload.pids()).allSatisfy(pid -> assertThat(HostProcess.runsUnfrozen(pid)).isTrue());
    }

    @Test
    void requireWindowRefusesADirectUpgradeWhileNoWindowIsOpen() throws Exception {
        molt.withConfig(config("policy.require_window = true")).startDaemon();

        Molt.Result refused = molt.cli("upgrade", "--switch", "restart", "--tcp");

        assertThat(refused.exit()).as(refused.toString()).isEqualTo(ExitCodes.PRECONDITION);
        assertThat(refused.err()).contains("policy.require_window: no maintenance window is open now");
        assertThat(molt.cli("upgrades", "list", "-o", "json").out()).doesNotContain("\"id\"");
        assertThat(workload.pids()).allSatisfy(pid -> assertThat(HostProcess.runsUnfrozen(pid)).isTrue());
    }

    @Test
    void aBadConfigurationLineStopsMoltdNamingTheLine() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.conf"), "workload.counter = cgroup:x\npolicy.max_stop = soon\n");
        ProcessBuilder pb = new ProcessBuilder(Tools.repoRoot().resolve("bin/moltd").toString(), "--config", bad.toString(),
                "--store", dir.resolve("store").toString(), "--socket", dir.resolve("bad.sock").toString())
                .redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());

        assertThat(p.waitFor()).as(out).isEqualTo(78);
        assertThat(out).contains(bad + ":2: policy.max_stop 'soon' is not a duration");
    }
}
