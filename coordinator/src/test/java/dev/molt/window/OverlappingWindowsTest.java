package dev.molt.window;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;

/** Windows that overlap or touch form one opening. */
class OverlappingWindowsTest extends ScheduleFixtures {
    @Test
    void overlappingWindowsFormOneOpening() {
        Schedule s = of(weekly("a", DAILY, "01:00", Duration.ofHours(2), UTC),
                weekly("b", DAILY, "02:00", Duration.ofHours(3), UTC));

        Opening o = s.openAt(utc("2026-11-23T01:30")).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-11-23T01:00"));
        assertThat(o.end()).isEqualTo(utc("2026-11-23T05:00"));
        assertThat(o.windows()).containsExactly("a", "b");
        assertThat(s.remainingAt(utc("2026-11-23T01:30"))).isEqualTo(Duration.ofMinutes(210));
    }

    @Test
    void touchingWindowsFormOneOpening() {
        Schedule s = of(weekly("a", DAILY, "01:00", Duration.ofHours(1), UTC),
                weekly("b", DAILY, "02:00", Duration.ofHours(1), UTC));

        assertThat(s.remainingAt(utc("2026-11-23T01:30"))).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void aWindowInsideAnotherChangesNothing() {
        Schedule s = of(weekly("outer", DAILY, "01:00", Duration.ofHours(4), UTC),
                weekly("inner", DAILY, "02:00", Duration.ofMinutes(30), UTC));

        Opening o = s.next(utc("2026-11-23T00:00")).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-11-23T01:00"));
        assertThat(o.end()).isEqualTo(utc("2026-11-23T05:00"));
    }

    @Test
    void aRunOfOverlappingWindowsAcrossDaysIsFollowedToItsEnd() {
        // 20 h every day from 00:00 plus 6 h from 20:00: open around the clock for days.
        Schedule s = of(weekly("day", DAILY, "00:00", Duration.ofHours(20), UTC),
                weekly("night", EnumSet.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY), "20:00", Duration.ofHours(4), UTC));

        Opening o = s.openAt(utc("2026-11-23T10:00")).orElseThrow();

        assertThat(o.end()).as("Monday 00:00 to Wednesday 20:00").isEqualTo(utc("2026-11-25T20:00"));
    }
}
