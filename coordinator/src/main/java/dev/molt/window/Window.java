package dev.molt.window;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * A named, repeating maintenance window: a rule for when it starts (weekly days and a time, or a
 * cron expression), how long it lasts, and the time zone its wall times are read in.
 */
public sealed interface Window permits WeeklyWindow, CronWindow {
    /** The longest a window may last: longer is almost certainly a typo (and "always" is no window). */
    Duration MAX_LENGTH = Duration.ofDays(7);

    String name();

    Duration length();

    ZoneId zone();

    /**
     * Every occurrence of this window that is open at some instant in {@code [from, to)}, by start.
     * Each is {@code [start, start + length)} with the start resolved as the package comment says.
     */
    List<Opening> occurrences(Instant from, Instant to);

    /** The rule as an operator writes it: "mon,tue 02:00 for 2h Europe/Berlin". */
    String describe();

    static void checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new WindowSpecException("a window needs a name");
        }
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            throw new WindowSpecException("window name '" + name
                    + "' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    static void checkLength(Duration length) {
        if (length == null || length.isZero() || length.isNegative()) {
            throw new WindowSpecException("length must be positive, was " + (length == null ? "missing" : WindowTimes.duration(length)));
        }
        if (length.compareTo(MAX_LENGTH) > 0) {
            throw new WindowSpecException("length " + WindowTimes.duration(length) + " is longer than the 7 days a window may last");
        }
    }
}
