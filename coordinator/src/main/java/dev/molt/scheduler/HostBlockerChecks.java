package dev.molt.scheduler;

import dev.molt.api.v1.Blocker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Blockers run on this host: {@code /bin/sh -c COMMAND}, and GET with java.net.http. */
public final class HostBlockerChecks implements BlockerChecks {
    private static final int OUTPUT_TAIL = 300;

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    @Override
    public Optional<String> failure(Blocker blocker) {
        Duration timeout = BlockerChecks.timeout(blocker);
        return blocker.getCommand().isEmpty() ? httpFailure(blocker.getHttpUrl(), timeout) : commandFailure(blocker.getCommand(), timeout);
    }

    private Optional<String> commandFailure(String command, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return Optional.of("could not run: " + e.getMessage());
        }
        try {
            // The output is read after the exit: a blocker is a check, its output a line or two.
            // A chatty one that fills the pipe runs into its timeout, and says so.
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return Optional.of("did not finish within " + dev.molt.window.WindowTimes.duration(timeout));
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.exitValue() == 0) {
                return Optional.empty();
            }
            return Optional.of("exited with " + p.exitValue() + (output.isEmpty() ? "" : ": " + tail(output)));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        } catch (IOException e) {
            return Optional.of("could not read its output: " + e.getMessage());
        }
    }

    private Optional<String> httpFailure(String url, Duration timeout) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(url.trim())).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                return Optional.empty();
            }
            String body = response.body() == null ? "" : response.body().strip();
            return Optional.of("answered " + status + (body.isEmpty() ? "" : ": " + tail(body)));
        } catch (java.net.http.HttpTimeoutException e) {
            return Optional.of("did not answer within " + dev.molt.window.WindowTimes.duration(timeout));
        } catch (IOException e) {
            return Optional.of("failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    private static String tail(String text) {
        String oneLine = text.replace('\n', ' ');
        return oneLine.length() <= OUTPUT_TAIL ? oneLine : "..." + oneLine.substring(oneLine.length() - OUTPUT_TAIL);
    }
}
