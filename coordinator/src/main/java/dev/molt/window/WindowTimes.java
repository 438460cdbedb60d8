package dev.molt.window;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of a window's parts as operators write them, and the DST rule for local start times. */
public final class WindowTimes {
    private static final List<String> DAY_NAMES = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
    private static final Pattern TIME = Pattern.compile("(\\d{1,2}):(\\d{2})(?::(\\d{2}))?");

    private WindowTimes() {}

    /**
     * "mon,tue,fri", "mon-fri", "sat-mon" (wraps), "daily"; case-insensitive, three-letter names.
     */
    public static Set<DayOfWeek> days(List<String> parts) {
        EnumSet<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String listed : parts) {
            for (String raw : listed.split(",")) {
                String part = raw.trim().toLowerCase(Locale.ROOT);
                if (part.equals("daily") || part.equals("*")) {
                    days.addAll(EnumSet.allOf(DayOfWeek.class));
                } else if (part.contains("-")) {
                    String[] ends = part.split("-", 2);
                    DayOfWeek from = day(ends[0]);
                    DayOfWeek to = day(ends[1]);
                    for (DayOfWeek d = from; ; d = d.plus(1)) {
                        days.add(d);
                        if (d == to) {
                            break;
                        }
                    }
                } else {
                    days.add(day(part));
                }
            }
        }
        if (days.isEmpty()) {
            throw new WindowSpecException("a weekly window needs at least one day (mon..sun, e.g. --days mon,wed or mon-fri)");
        }
        return days;
    }

    static DayOfWeek day(String name) {
        int i = DAY_NAMES.indexOf(name.trim().toLowerCase(Locale.ROOT));
        if (i < 0) {
            throw new WindowSpecException("day '" + name.trim() + "' is not one of mon..sun");
        }
        return DayOfWeek.of(i + 1);
    }

    public static String dayName(DayOfWeek day) {
        return DAY_NAMES.get(day.getValue() - 1);
    }

    /** "02:00", "2:30", "23:59"; seconds may follow ("02:00:30"). */
    public static LocalTime start(String text) {
        Matcher m = TIME.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new WindowSpecException("start " + quoteIfBlank(text) + " is not a time of day (HH:MM)");
        }
        int hour = Integer.parseInt(m.group(1));
        int minute = Integer.parseInt(m.group(2));
        int second = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        if (hour > 23 || minute > 59 || second > 59) {
            throw new WindowSpecException("start " + text.trim() + " is not a time of day (HH:MM, 00:00 to 23:59)");
        }
        return LocalTime.of(hour, minute, second);
    }

    /** An IANA time zone ("Europe/Berlin") or a fixed one ("UTC", "+02:00"). */
    public static ZoneId zone(String text) {
        if (text == null || text.isBlank()) {
            throw new WindowSpecException("a window needs a time zone (an IANA name like Europe/Berlin, or UTC)");
        }
        try {
            return ZoneId.of(text.trim());
        } catch (DateTimeException e) {
            throw new WindowSpecException("unknown time zone '" + text.trim() + "' (use an IANA name like Europe/Berlin, or UTC)");
        }
    }

    /**
     * The instant a window whose local start is {@code local} opens: the local time itself when it
     * exists once; the earlier instant when it exists twice (fall back); the end of the gap, the
     * first valid instant, when it does not exist (spring forward).
     */
    public static Instant resolve(LocalDateTime local, ZoneId zone) {
        var offsets = zone.getRules().getValidOffsets(local);
        if (offsets.isEmpty()) {
            ZoneOffsetTransition gap = zone.getRules().getTransition(local);
            return gap.getInstant();
        }
        // Fall back: getValidOffsets lists the earlier (summer) offset first.
        return local.toInstant(offsets.getFirst());
    }

    /** "2h", "90m", "1h30m", "45s", "2d". */
    public static String duration(Duration d) {
        if (d.isNegative()) {
            return "-" + duration(d.negated());
        }
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long days = d.toDays();
        if (days > 0) {
            b.append(days).append('d');
        }
        if (d.toHoursPart() > 0) {
            b.append(d.toHoursPart()).append('h');
        }
        if (d.toMinutesPart() > 0) {
            b.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0 || b.isEmpty()) {
            if (b.isEmpty() && d.toSecondsPart() == 0) {
                return d.toMillis() + "ms";
            }
            b.append(d.toSecondsPart()).append('s');
        }
        return b.toString();
    }

    private static String quoteIfBlank(String text) {
        return text == null || text.isBlank() ? "(empty)" : text.trim();
    }
}
