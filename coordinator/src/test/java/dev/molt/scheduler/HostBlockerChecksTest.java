package dev.molt.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.molt.api.v1.Blocker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Blockers run for real: shell commands on this host, GETs against a local HTTP server. */
class HostBlockerChecksTest {
    final HostBlockerChecks checks = new HostBlockerChecks();
    HttpServer http;

    @BeforeEach
    void serve() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/ok", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        http.createContext("/alerting", exchange -> {
            byte[] body = "2 alerts firing".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    static Blocker command(String c) {
        return Blocker.newBuilder().setCommand(c).build();
    }

    @Test
    void aCommandPassesOnExitZero() {
        assertThat(checks.failure(command("test -d /"))).isEmpty();
    }

    @Test
    void aCommandFailingIsReportedWithItsExitAndOutput() {
        assertThat(checks.failure(command("echo reboot blocked by ops >&2; exit 3")))
                .hasValue("exited with 3: reboot blocked by ops");
    }

    @Test
    void aCommandThatTakesTooLongFails() {
        var slow = command("sleep 30").toBuilder().setTimeoutMillis(300).build();

        long started = System.nanoTime();
        assertThat(checks.failure(slow)).hasValueSatisfying(f -> assertThat(f).startsWith("did not finish within"));
        assertThat(System.nanoTime() - started).as("ended at the timeout, not after the command").isLessThan(10_000_000_000L);
    }

    @Test
    void httpPassesOn2xxAndFailsOtherwiseWithTheAnswer() {
        assertThat(checks.failure(Blocker.newBuilder().setHttpUrl(url("/ok")).build())).isEmpty();
        assertThat(checks.failure(Blocker.newBuilder().setHttpUrl(url("/alerting")).build()))
                .hasValue("answered 503: 2 alerts firing");
        assertThat(checks.failure(Blocker.newBuilder().setHttpUrl(url("/missing")).build()))
                .hasValueSatisfying(f -> assertThat(f).startsWith("answered 404"));
    }

    @Test
    void anUnreachableUrlFails() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertThat(checks.failure(Blocker.newBuilder().setHttpUrl("http://127.0.0.1:" + closedPort + "/").build()))
                .hasValueSatisfying(f -> assertThat(f).startsWith("failed"));
    }

    @Test
    void theFirstFailingBlockerIsNamed() {
        var failure = checks.firstFailure(List.of(command("true"), command("false"), Blocker.newBuilder().setHttpUrl(url("/ok")).build()));

        assertThat(failure).hasValue("blocker `false` exited with 1");
    }

    @Test
    void malformedBlockersAreRefused() {
        assertThatThrownBy(() -> BlockerChecks.validate(Blocker.getDefaultInstance())).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> BlockerChecks.validate(Blocker.newBuilder().setHttpUrl("ftp://host/x").build()))
                .hasMessageContaining("must be http:// or https://");
        assertThatThrownBy(() -> BlockerChecks.validate(Blocker.newBuilder().setHttpUrl("http://").build()))
                .hasMessageContaining("blocker URL");
    }
}
