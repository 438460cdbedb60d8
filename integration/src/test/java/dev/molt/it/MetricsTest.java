package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.util.JsonFormat;
import dev.molt.api.v1.ListUpgradesResponse;
import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeState;
import dev.molt.cli.ExitCodes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * moltd's /metrics as Prometheus scrapes it, through bin/moltd with --metrics-listen: a real
 * upgrade that aborts at preflight and a real on-host upgrade to DONE (the restart switch ends the
 * daemon in the middle; the launcher starts it again), real CRIU, a real store. The counts and the
 * stop histogram come from the journal, so they hold across the daemon's restarts.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class MetricsTest {
    @TempDir
    Path dir;

    TestWorkload workload;
    Molt molt;
    Process stranger;
    int port;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws Exception {
        Tools.criu();
        workload = TestWorkload.start(dir, 256);
        port = freeLoopbackPort();
        molt = new Molt(dir).withDaemonArgs("--metrics-listen", "127.0.0.1:" + port);
    }

    @AfterEach
    void stop() throws Exception {
        if (molt != null) {
            molt.close();
            Path logs = Tools.repoRoot().resolve("integration/target/metrics-logs");
            Files.createDirectories(logs);
            Files.writeString(logs.resolve("moltd.log"), molt.log());
        }
        if (stranger != null) {
            stranger.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (workload != null) {
            workload.close();
        }
    }

    @Test
    void upgradesByResultTheStopHistogramAndSizesComeFromTheStoreAndSurviveRestarts() throws Exception {
        molt.startDaemon();
        Samples fresh = scrape();
        assertThat(fresh.value("molt_upgrades_total{result=\"done\"}")).isZero();
        assertThat(fresh.value("molt_upgrades_total{result=\"aborted\"}")).isZero();
        assertThat(fresh.value("molt_upgrade_stop_seconds_count{result=\"done\"}")).isZero();
        assertThat(fresh.value("molt_store_size_bytes")).as("an open store has files").isPositive();

        // A process CRIU refuses (not its session's leader): the upgrade aborts at preflight.
        stranger = new ProcessBuilder("sleep", "600").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Molt.Result aborted = molt.cli("upgrade", "--workload", "pid:" + stranger.pid(), "--switch", "restart", "--tcp");
        assertThat(aborted.exit()).as(aborted.toString()).isEqualTo(ExitCodes.UPGRADE_NOT_DONE);
        assertThat(aborted.out()).as(aborted.toString()).contains("ABORTED");
        Samples afterAbort = scrape();
        assertThat(afterAbort.value("molt_upgrades_total{result=\"aborted\"}")).isEqualTo(1);
        assertThat(afterAbort.value("molt_upgrades_total{result=\"done\"}")).isZero();

        // A real upgrade: the restart switch ends this daemon; the next one counts what the first saw.
        workload.connect();
        workload.ask("before");
        Molt.Result done = molt.cli("upgrade", "--workload", "pid:" + workload.rootPid(), "--switch", "restart", "--tcp");
        assertThat(done.exit()).as(done.toString()).isZero();
        assertThat(workload.ask("after")).endsWith(" after");
        Upgrade upgrade = upgradeIn(UpgradeState.DONE);
        StopReport report = upgrade.getStopReport();
        assertThat(report.getTotalStopMillis()).as("the stop report of " + upgrade.getId()).isPositive();

        Samples afterUpgrade = scrape();
        System.out.println("/metrics after the upgrades:\n" + afterUpgrade.text());
        assertCounts(afterUpgrade, report);
        assertThat(afterUpgrade.value("molt_upgrade_in_progress{state=\"restoring\"}")).isZero();
        assertThat(afterUpgrade.value("molt_store_size_bytes")).as("the store holds the snapshot now")
                .isGreaterThan(fresh.value("molt_store_size_bytes"));

        // And once more after a plain stop and start of the daemon.
        molt.close();
        molt.startDaemon();
        Samples afterRestart = scrape();
        assertCounts(afterRestart, report);
        assertThat(afterRestart.value("molt_upgrade_stop_seconds_bucket{result=\"done\",le=\"+Inf\"}"))
                .isEqualTo(afterUpgrade.value("molt_upgrade_stop_seconds_bucket{result=\"done\",le=\"+Inf\"}"));
    }

    @Test
    void aBadMetricsAddressInTheConfigFileIsRefusedNamingItsLine() throws Exception {
        Path config = dir.resolve("moltd.conf");
        Files.writeString(config, "# scraped by the local Prometheus\nmetrics.listen = localhost\n");
        Process moltd = new ProcessBuilder(Tools.repoRoot().resolve("bin/moltd").toString(), "--config", config.toString(),
                "--store", dir.resolve("store").toString(), "--socket", dir.resolve("molt.sock").toString())
                .redirectErrorStream(true).start();
        moltd.getOutputStream().close();
        String said = new String(moltd.getInputStream().readAllBytes());
        assertThat(moltd.waitFor(2, TimeUnit.MINUTES)).as("moltd ends at once: " + said).isTrue();

        assertThat(moltd.exitValue()).as(said).isEqualTo(78);
        assertThat(said).contains("moltd: " + config + ":2: metrics.listen 'localhost' is not host:port");
        assertThat(dir.resolve("store")).as("nothing is opened").doesNotExist();
    }

    /** Every count and the histograms agree with the journal: one upgrade aborted, one done with this report. */
    private static void assertCounts(Samples s, StopReport report) {
        assertThat(s.value("molt_upgrades_total{result=\"done\"}")).isEqualTo(1);
        assertThat(s.value("molt_upgrades_total{result=\"aborted\"}")).isEqualTo(1);
        assertThat(s.value("molt_upgrades_total{result=\"rolled_back\"}")).isZero();
        assertThat(s.value("molt_upgrades_total{result=\"failed\"}")).isZero();
        assertThat(s.value("molt_upgrade_stop_seconds_count{result=\"done\"}")).isEqualTo(1);
        assertThat(s.value("molt_upgrade_stop_seconds_sum{result=\"done\"}"))
                .isCloseTo(report.getTotalStopMillis() / 1000.0, within(1e-9));
        assertThat(s.value("molt_upgrade_image_bytes_count")).isEqualTo(1);
        assertThat(s.value("molt_upgrade_image_bytes_sum")).isPositive().isEqualTo((double) report.getImageBytes());
        long persistMillis = report.getPhasesList().stream().filter(p -> p.getName().equals("persist"))
                .mapToLong(StopReport.Phase::getMillis).sum();
        if (persistMillis > 0) {
            assertThat(s.value("molt_upgrade_persist_throughput_bytes_per_second_sum"))
                    .isCloseTo(report.getImageBytes() * 1000.0 / persistMillis, within(1e-3));
        }
        assertThat(s.value("molt_upgrade_persist_throughput_bytes_per_second_count")).isEqualTo(persistMillis > 0 ? 1 : 0);
        assertThat(s.value("molt_livepatches_total{kind=\"apply\",result=\"completed\"}")).isZero();
    }

    private Upgrade upgradeIn(UpgradeState state) throws Exception {
        Molt.Result list = molt.cli("-o", "json", "upgrades", "list");
        assertThat(list.exit()).as(list.toString()).isZero();
        ListUpgradesResponse.Builder upgrades = ListUpgradesResponse.newBuilder();
        JsonFormat.parser().merge(list.out(), upgrades);
        return upgrades.getUpgradesList().stream().filter(u -> u.getState() == state).findFirst()
                .orElseThrow(() -> new AssertionError("no upgrade in " + state + ": " + list.out()));
    }

    /** GET /metrics, waiting for the server to listen (it starts just after the API after a restart). */
    private Samples scrape() throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
        AtomicReference<String> body = new AtomicReference<>();
        Poll.until(Duration.ofMinutes(1), "moltd to serve " + uri, () -> {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
                body.set(r.body());
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return Samples.parse(body.get());
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A scrape's samples, {@code name{labels}} to value. */
    record Samples(String text, Map<String, Double> values) {
        static Samples parse(String text) {
            Map<String, Double> values = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int space = line.lastIndexOf(' ');
                    values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
            return new Samples(text, values);
        }

        double value(String series) {
            Double v = values.get(series);
            if (v == null) {
                throw new AssertionError("no series " + series + " in the scrape:\n" + text);
            }
            return v;
        }
    }
}
