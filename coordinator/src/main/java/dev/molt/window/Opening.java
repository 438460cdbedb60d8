package dev.molt.window;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A span of time in which upgrades may run: one window's occurrence, or several that overlap or
 * touch, merged. {@code start} inclusive, {@code end} exclusive.
 *
 * @param windows the names of the windows that make it up, in order of their first start
 */
public record Opening(Instant start, Instant end, List<String> windows) {
    public Opening {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("an opening ends after it starts: " + start + " .. " + end);
        }
        windows = List.copyOf(windows);
    }

    public boolean contains(Instant t) {
        return !t.isBefore(start) && t.isBefore(end);
    }

    /** Time left in the opening at {@code t}: all of it before it starts, none after it ends. */
    public Duration remainingAt(Instant t) {
        Instant from = t.isBefore(start) ? start : t;
        return from.isBefore(end) ? Duration.between(from, end) : Duration.ZERO;
    }

    public Duration length() {
        return Duration.between(start, end);
    }
}
