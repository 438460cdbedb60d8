package dev.molt.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.store.MoltStore;
import dev.molt.upgrade.UpgradeJournal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics over real HTTP, from a real store on disk. */
class MetricsServerTest {
    @TempDir
    Path dir;

    MoltStore store;
    MetricsServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void start() throws Exception {
        store = MoltStore.open(dir);
        MoltMetricsTest.finishDone(new UpgradeJournal(store.journal(), Clock.systemUTC()), 1_500, 2L << 20, 10);
        server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), MoltMetrics.of(store, "dev", "6.18.0"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        store.close();
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    @Test
    void getMetricsAnswersPrometheusText() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).contains("# TYPE molt_upgrades_total counter");
        assertThat(Exposition.parse(r.body()).value("molt_upgrades_total{result=\"done\"}")).isEqualTo(1);
    }

    @Test
    void aScraperThatAcceptsOpenMetricsGetsIt() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics"))
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(r.body()).contains("molt_upgrades_total{result=\"done\"} 1").endsWith("# EOF\n");
    }

    @Test
    void anyOtherPathIsNotFound() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics/extra")));

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("moltd serves only /metrics");
        assertThat(send(HttpRequest.newBuilder(uri("/"))).statusCode()).isEqualTo(404);
    }

    @Test
    void anyOtherMethodIsRefusedNamingGet() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")));

        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).contains("GET");
    }

    @Test
    void aStoreThatCannotBeReadIsAServerErrorThatSaysSo() throws Exception {
        store.close();

        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/metrics")));

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(r.body()).startsWith("cannot read Molt's store: ");
    }

    @Test
    void theFormatFollowsTheAcceptHeader() {
        assertThat(ExpositionFormat.forAccept(null)).isEqualTo(ExpositionFormat.TEXT_004);
        assertThat(ExpositionFormat.forAccept("*/*")).isEqualTo(ExpositionFormat.TEXT_004);
        assertThat(ExpositionFormat.forAccept("Application/OpenMetrics-Text; version=1.0.0")).isEqualTo(ExpositionFormat.OPEN_METRICS);
        assertThat(ExpositionFormat.forAccept("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"))
                .as("protobuf is never chosen").isEqualTo(ExpositionFormat.TEXT_004);
    }
}
