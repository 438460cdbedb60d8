package dev.molt.window;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What the schedule tests share: zones, instants written as local times, windows. The arithmetic is
 * tested against instants the tests choose, as the scheduler passes its injected clock's instant.
 */
abstract class ScheduleFixtures {
    static final ZoneId UTC = ZoneOffset.UTC;
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    static final Set<DayOfWeek> DAILY = EnumSet.allOf(DayOfWeek.class);

    static Instant utc(String isoLocal) {
        return LocalDateTime.parse(isoLocal).toInstant(ZoneOffset.UTC);
    }

    static Instant at(String isoLocal, ZoneId zone) {
        return LocalDateTime.parse(isoLocal).atZone(zone).toInstant();
    }

    static WeeklyWindow weekly(String name, Set<DayOfWeek> days, String start, Duration length, ZoneId zone) {
        return new WeeklyWindow(name, days, LocalTime.parse(start), length, zone);
    }

    static Schedule of(Window... windows) {
        return new Schedule(List.of(windows));
    }
}
