package dev.molt.window;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A window that opens on some days of the week at one local time, for a length of real time. It
 * may cross midnight (23:00 for 3h); it belongs to the day it starts on.
 */
public record WeeklyWindow(String name, Set<DayOfWeek> days, LocalTime start, Duration length, ZoneId zone)
        implements Window {
    public WeeklyWindow {
        Window.checkName(name);
        if (days == null || days.isEmpty()) {
            throw new WindowSpecException("window '" + name + "' needs at least one day (mon..sun)");
        }
        days = Set.copyOf(EnumSet.copyOf(days));
        if (start == null) {
            throw new WindowSpecException("window '" + name + "' needs a start time (HH:MM)");
        }
        Window.checkLength(length);
        if (zone == null) {
            throw new WindowSpecException("window '" + name + "' needs a time zone");
        }
    }

    @Override
    public List<Opening> occurrences(Instant from, Instant to) {
        List<Opening> found = new ArrayList<>();
        // A start up to `length` (plus a DST shift) before `from` may still be open at `from`.
        LocalDate first = from.minus(length).atZone(zone).toLocalDate().minusDays(1);
        LocalDate last = to.atZone(zone).toLocalDate().plusDays(1);
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            if (!days.contains(d.getDayOfWeek())) {
                continue;
            }
            Instant opens = WindowTimes.resolve(d.atTime(start), zone);
            Instant closes = opens.plus(length);
            if (closes.isAfter(from) && opens.isBefore(to)) {
                found.add(new Opening(opens, closes, List.of(name)));
            }
        }
        return found;
    }

    @Override
    public String describe() {
        String dayList = days.size() == 7 ? "daily" : EnumSet.copyOf(days).stream()
                .map(WindowTimes::dayName).collect(Collectors.joining(","));
        return dayList + " " + start + " for " + WindowTimes.duration(length) + " " + zone.getId();
    }
}
