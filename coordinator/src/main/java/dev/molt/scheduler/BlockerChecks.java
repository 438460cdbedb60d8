package dev.molt.scheduler;

import dev.molt.api.v1.Blocker;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs a scheduled upgrade's blockers: commands (exit 0 passes) and HTTP checks (2xx passes),
 * like fleet reboot tools' sentinels and alert checks. Every check has a timeout; one that takes
 * longer fails.
 */
public interface BlockerChecks {
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Why {@code blocker} does not pass now; empty when it passes. */
    Optional<String> failure(Blocker blocker);

    /** The first blocker that does not pass, described with why. */
    default Optional<String> firstFailure(List<Blocker> blockers) {
        for (Blocker b : blockers) {
            Optional<String> failed = failure(b);
            if (failed.isPresent()) {
                return Optional.of("blocker " + describe(b) + " " + failed.get());
            }
        }
        return Optional.empty();
    }

    static Duration timeout(Blocker b) {
        return b.getTimeoutMillis() > 0 ? Duration.ofMillis(b.getTimeoutMillis()) : DEFAULT_TIMEOUT;
    }

    static String describe(Blocker b) {
        return b.getCommand().isEmpty() ? "GET " + b.getHttpUrl() : "`" + b.getCommand() + "`";
    }

    /**
     * Checks a blocker's form.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static void validate(Blocker b) {
        boolean cmd = !b.getCommand().isBlank();
        boolean http = !b.getHttpUrl().isBlank();
        if (cmd == http) {
            throw new IllegalArgumentException("a blocker is a command or an http URL, exactly one of them");
        }
        if (b.getTimeoutMillis() < 0) {
            throw new IllegalArgumentException("blocker timeout must not be negative");
        }
        if (http) {
            URI uri;
            try {
                uri = URI.create(b.getHttpUrl().trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("blocker URL '" + b.getHttpUrl() + "' is not a URL: " + e.getMessage());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("blocker URL '" + b.getHttpUrl() + "' must be http:// or https:// with a host");
            }
        }
    }
}
