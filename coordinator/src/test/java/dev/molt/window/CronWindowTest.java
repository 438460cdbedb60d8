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

/** Windows given by a five-field cron expression. */
class CronWindowTest extends ScheduleFixtures {
    @Test
    void weekdaysAtTwo() {
        Schedule s = of(CronWindow.of("c", "0 2 * * 1-5", Duration.ofHours(1), UTC));

        // Friday 2026-11-27 03:00 -> Monday 2026-11-30 02:00.
        assertThat(s.next(utc("2026-11-27T03:00")).orElseThrow().start()).isEqualTo(utc("2026-11-30T02:00"));
        assertThat(s.openAt(utc("2026-11-27T02:59"))).isPresent();
    }

    @Test
    void namedDaysAndMonthsAndSundayAsSeven() {
        Cron a = Cron.parse("30 23 * jan-mar sat,7");
        Cron b = Cron.parse("30 23 * 1-3 0,6");

        assertThat(a.daysOfWeek()).isEqualTo(b.daysOfWeek());
        assertThat(a.months()).isEqualTo(b.months());
    }

    @Test
    void dayOfMonthAndDayOfWeekBothRestrictedMatchEither() {
        Cron c = Cron.parse("0 0 13 * fri");

        assertThat(c.matches(java.time.LocalDate.parse("2026-11-13"))).isTrue(); // a Friday the 13th
        assertThat(c.matches(java.time.LocalDate.parse("2026-11-20"))).isTrue(); // a Friday
        assertThat(c.matches(java.time.LocalDate.parse("2026-12-13"))).isTrue(); // a Sunday the 13th
        assertThat(c.matches(java.time.LocalDate.parse("2026-12-14"))).isFalse();
    }

    @Test
    void stepsAndLists() {
        Cron c = Cron.parse("*/15 1,3-5/2 * * *");

        assertThat(c.minutes().stream().boxed().toList()).containsExactly(0, 15, 30, 45);
        assertThat(c.hours().stream().boxed().toList()).containsExactly(1, 3, 5);
    }

    @Test
    void everyHalfHourForHalfAnHourIsOpenAroundTheClock() {
        Schedule s = of(CronWindow.of("always", "*/30 * * * *", Duration.ofMinutes(30), UTC));

        assertThat(s.remainingAt(utc("2026-11-23T10:10"))).isGreaterThan(Duration.ofDays(30));
    }

    @Test
    void cronStartsInTheSpringForwardGapOpenOnceWhenItEnds() {
        Schedule s = of(CronWindow.of("c", "0,30 2 * * *", Duration.ofMinutes(20), BERLIN));

        List<Opening> openings = s.openings(utc("2026-03-29T00:00"), utc("2026-03-29T05:00"));

        assertThat(openings).singleElement().satisfies(o -> {
            assertThat(o.start()).isEqualTo(utc("2026-03-29T01:00"));
            assertThat(o.end()).isEqualTo(utc("2026-03-29T01:20"));
        });
    }

    @Test
    void cronInTheFallBackOverlapOpensOnce() {
        Schedule s = of(CronWindow.of("c", "30 2 * * *", Duration.ofMinutes(20), BERLIN));

        assertThat(s.openings(utc("2026-10-24T23:00"), utc("2026-10-25T03:00")))
                .extracting(Opening::start).containsExactly(utc("2026-10-25T00:30"));
    }

    @Test
    void aDateThatNeverComesIsNoWindow() {
        Schedule s = of(CronWindow.of("never", "0 0 30 2 *", Duration.ofHours(1), UTC));

        assertThat(s.next(utc("2026-11-23T00:00"))).isEmpty();
        assertThat(s.decide(utc("2026-11-23T00:00"), Duration.ofMinutes(5))).isInstanceOfSatisfying(
                Schedule.Decision.NoWindow.class, none -> assertThat(none.why()).contains("never opens"));
    }
}
