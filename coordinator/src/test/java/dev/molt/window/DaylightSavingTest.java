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

/** Daylight-saving changes in Europe/Berlin and America/New_York: a start in the spring-forward gap opens when the gap ends, a start in the fall-back overlap opens once at the earlier instant, a length is real time. */
class DaylightSavingTest extends ScheduleFixtures {
    @Test
    void berlinSpringForwardAStartInTheGapOpensWhenTheGapEnds() {
        // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC). 02:30 does not exist.
        Schedule s = of(weekly("w", DAILY, "02:30", Duration.ofHours(1), BERLIN));

        Opening o = s.next(at("2026-03-29T00:00", BERLIN)).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-03-29T01:00")); // 03:00 CEST
        assertThat(o.length()).as("length is real time").isEqualTo(Duration.ofHours(1));
    }

    @Test
    void berlinSpringForwardTheLengthIsRealElapsedTime() {
        // 01:00 CET for 3 h spans the gap: it ends 3 h later, at 05:00 CEST on the wall clock.
        Schedule s = of(weekly("w", DAILY, "01:00", Duration.ofHours(3), BERLIN));

        Opening o = s.next(at("2026-03-29T00:00", BERLIN)).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-03-29T00:00"));
        assertThat(o.end()).isEqualTo(at("2026-03-29T05:00", BERLIN));
    }

    @Test
    void berlinFallBackAStartThatHappensTwiceOpensOnceAtTheEarlierInstant() {
        // 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
        Schedule s = of(weekly("w", DAILY, "02:30", Duration.ofMinutes(30), BERLIN));

        Opening o = s.next(utc("2026-10-25T00:00")).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-10-25T00:30"));
        assertThat(s.openAt(utc("2026-10-25T01:30"))).as("the second 02:30 opens nothing").isEmpty();
        assertThat(s.next(utc("2026-10-25T01:00")).orElseThrow().start()).isEqualTo(utc("2026-10-26T01:30"));
    }

    @Test
    void berlinFallBackTheWallClockShowsLessThanTheLength() {
        // 01:00 CEST for 3 h: ends at 02:00 UTC, which the wall clock shows as 03:00 CET.
        Schedule s = of(weekly("w", DAILY, "01:00", Duration.ofHours(3), BERLIN));

        Opening o = s.next(utc("2026-10-24T22:00")).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-10-24T23:00"));
        assertThat(o.end()).isEqualTo(utc("2026-10-25T02:00"));
        assertThat(o.end().atZone(BERLIN).toLocalTime()).isEqualTo(LocalTime.of(3, 0));
    }

    @Test
    void newYorkSpringForward() {
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC); 02:15 opens at 03:00 EDT.
        Schedule s = of(weekly("w", DAILY, "02:15", Duration.ofHours(2), NEW_YORK));

        Opening o = s.next(at("2026-03-08T00:00", NEW_YORK)).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-03-08T07:00"));
        assertThat(o.end()).isEqualTo(utc("2026-03-08T09:00"));
        // The day after, 02:15 EDT again.
        assertThat(s.next(o.end()).orElseThrow().start()).isEqualTo(utc("2026-03-09T06:15"));
    }

    @Test
    void newYorkFallBack() {
        // 2026-11-01: 02:00 EDT goes back to 01:00 EST; 01:30 happens at 05:30 and 06:30 UTC.
        Schedule s = of(weekly("w", DAILY, "01:30", Duration.ofHours(1), NEW_YORK));

        Opening o = s.next(at("2026-11-01T00:00", NEW_YORK)).orElseThrow();

        assertThat(o.start()).isEqualTo(utc("2026-11-01T05:30"));
        assertThat(o.end()).isEqualTo(utc("2026-11-01T06:30"));
        assertThat(s.openAt(utc("2026-11-01T06:45"))).isEmpty();
    }

    @Test
    void theRuleForOneLocalTime() {
        assertThat(WindowTimes.resolve(LocalDateTime.parse("2026-03-29T02:00"), BERLIN)).isEqualTo(utc("2026-03-29T01:00"));
        assertThat(WindowTimes.resolve(LocalDateTime.parse("2026-03-29T02:59"), BERLIN)).isEqualTo(utc("2026-03-29T01:00"));
        assertThat(WindowTimes.resolve(LocalDateTime.parse("2026-10-25T02:00"), BERLIN)).isEqualTo(utc("2026-10-25T00:00"));
        assertThat(WindowTimes.resolve(LocalDateTime.parse("2026-06-01T02:00"), BERLIN)).isEqualTo(utc("2026-06-01T00:00"));
    }
}
