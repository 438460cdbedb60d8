package dev.molt.window;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A set of windows, and the questions the scheduler asks of it: is it open at t and until when,
 * when does it next open, and when may an upgrade that needs some time start. Windows that overlap
 * or touch merge into one {@link Opening}.
 */
public final class Schedule {
    /** How far ahead an opening is looked for: a window that never comes within it is "none". */
    public static final Duration HORIZON = Duration.ofDays(366 * 4 + 1);
    /** How long a run of merged windows is followed: a longer one is reported as ending here. */
    static final Duration LONGEST_OPENING = Duration.ofDays(62);
    /** Openings passed over as too short before giving up, and how many of them a decision names. */
    static final int MAX_PASSED_OVER = 2000;
    static final int SHOWN_PASSED_OVER = 3;
    private static final Duration CHUNK = Duration.ofDays(35);
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx");

    private final List<Window> windows;

    public Schedule(List<Window> windows) {
        this.windows = List.copyOf(windows);
    }

    public List<Window> windows() {
        return windows;
    }

    public boolean isEmpty() {
        return windows.isEmpty();
    }

    /** The opening that holds {@code t}, if any. */
    public Optional<Opening> openAt(Instant t) {
        return next(t).filter(o -> o.contains(t));
    }

    /** Time left at {@code t} in the opening that holds it; zero when closed. */
    public Duration remainingAt(Instant t) {
        return openAt(t).map(o -> o.remainingAt(t)).orElse(Duration.ZERO);
    }

    /** The opening that holds {@code t}, else the first one after it; empty if none within {@link #HORIZON}. */
    public Optional<Opening> next(Instant t) {
        Instant limit = t.plus(HORIZON);
        // A day first (most windows open daily or weekly), then longer and longer stretches.
        Duration chunk = Duration.ofDays(1);
        for (Instant from = t; from.isBefore(limit); ) {
            for (Opening o : merged(occurrences(from, from.plus(chunk)))) {
                if (o.end().isAfter(t)) {
                    return Optional.of(extend(o));
                }
            }
            from = from.plus(chunk);
            chunk = chunk.multipliedBy(2).compareTo(CHUNK) > 0 ? CHUNK : chunk.multipliedBy(2);
        }
        return Optional.empty();
    }

    /** Merged openings that are open at some instant in {@code [from, to)}, in order. */
    public List<Opening> openings(Instant from, Instant to) {
        List<Opening> result = new ArrayList<>();
        for (Opening o : merged(occurrences(from, to))) {
            result.add(extend(o));
        }
        // Extending may have swallowed the next ones.
        return merged(result);
    }

    /**
     * When an upgrade that keeps its workloads stopped for up to {@code needed} may start, at or
     * after {@code now}: at once if an opening holds {@code now} and has {@code needed} left; else
     * at the start of the first opening at least that long. Openings too short on the way are
     * listed in the decision, so that the operator sees why they were passed over.
     */
    public Decision decide(Instant now, Duration needed) {
        if (windows.isEmpty()) {
            return new Decision.NoWindow("no maintenance window is defined: add one with `molt window add`");
        }
        List<String> passedOver = new ArrayList<>();
        Instant at = now;
        Instant limit = now.plus(HORIZON);
        int tried = 0;
        for (; tried < MAX_PASSED_OVER && at.isBefore(limit); tried++) {
            Optional<Opening> next = next(at);
            if (next.isEmpty()) {
                break;
            }
            Opening o = next.get();
            Instant startAt = o.start().isAfter(at) ? o.start() : at;
            Duration left = Duration.between(startAt, o.end());
            if (left.compareTo(needed) >= 0) {
                if (!startAt.isAfter(now)) {
                    return new Decision.StartNow(o, left, List.copyOf(passedOver));
                }
                return new Decision.Wait(o, List.copyOf(passedOver));
            }
            if (passedOver.size() < SHOWN_PASSED_OVER) {
                passedOver.add(describe(o) + (o.contains(now)
                        ? " has " + WindowTimes.duration(left) + " left"
                        : " lasts " + WindowTimes.duration(left)));
            }
            at = o.end();
        }
        if (tried == MAX_PASSED_OVER) {
            return new Decision.NoWindow("none of the next " + MAX_PASSED_OVER + " openings (until "
                    + when(at, zoneOf(next(now).orElseThrow())) + ") is long enough for the " + WindowTimes.duration(needed) + " needed");
        }
        return new Decision.NoWindow(windows.size() == 1
                ? "window '" + windows.getFirst().name() + "' " + (passedOver.isEmpty() ? "never opens" : "is never open long enough")
                        + " within four years for the " + WindowTimes.duration(needed) + " needed"
                : "no window opens long enough within four years for the " + WindowTimes.duration(needed) + " needed");
    }

    /** "'nightly' 2026-11-25 02:00:00 +01:00 Europe/Berlin". */
    public String describe(Opening o) {
        return "'" + String.join("'+'", o.windows()) + "' " + when(o.start(), zoneOf(o));
    }

    /** An instant as the window's operators read it. */
    public String when(Instant t, ZoneId zone) {
        return WHEN.format(t.atZone(zone)) + " " + zone.getId();
    }

    public ZoneId zoneOf(Opening o) {
        for (Window w : windows) {
            if (w.name().equals(o.windows().getFirst())) {
                return w.zone();
            }
        }
        return ZoneOffset.UTC;
    }

    /** The outcome of {@link #decide}. */
    public sealed interface Decision {
        /** Openings passed over as too short, described for the operator. */
        List<String> passedOver();

        /** An opening holds now and has {@code left} (at least what is needed). */
        record StartNow(Opening opening, Duration left, List<String> passedOver) implements Decision {}

        /** Wait for {@code opening}, the first long enough. */
        record Wait(Opening opening, List<String> passedOver) implements Decision {}

        /** No opening will do; {@code why} says so. */
        record NoWindow(String why) implements Decision {
            @Override
            public List<String> passedOver() {
                return List.of();
            }
        }
    }

    private List<Opening> occurrences(Instant from, Instant to) {
        List<Opening> all = new ArrayList<>();
        for (Window w : windows) {
            all.addAll(w.occurrences(from, to));
        }
        return all;
    }

    /** Follows a run of touching or overlapping occurrences past the end of {@code o}. */
    private Opening extend(Opening o) {
        Opening current = o;
        Instant cap = o.start().plus(LONGEST_OPENING);
        while (current.end().isBefore(cap)) {
            Instant end = current.end();
            List<Opening> touching = occurrences(end, end.plusMillis(1));
            List<Opening> joined = new ArrayList<>(touching);
            joined.add(current);
            Instant start = current.start();
            Opening grown = merged(joined).stream().filter(m -> m.contains(start)).findFirst().orElse(current);
            if (!grown.end().isAfter(end)) {
                return current;
            }
            current = grown;
        }
        return current;
    }

    static List<Opening> merged(List<Opening> occurrences) {
        List<Opening> sorted = new ArrayList<>(occurrences);
        sorted.sort(Comparator.comparing(Opening::start).thenComparing(Opening::end));
        List<Opening> result = new ArrayList<>();
        Instant start = null;
        Instant end = null;
        Set<String> names = new LinkedHashSet<>();
        for (Opening o : sorted) {
            if (start != null && !o.start().isAfter(end)) {
                if (o.end().isAfter(end)) {
                    end = o.end();
                }
                names.addAll(o.windows());
                continue;
            }
            if (start != null) {
                result.add(new Opening(start, end, List.copyOf(names)));
            }
            start = o.start();
            end = o.end();
            names = new LinkedHashSet<>(o.windows());
        }
        if (start != null) {
            result.add(new Opening(start, end, List.copyOf(names)));
        }
        return result;
    }
}
