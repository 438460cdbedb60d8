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

/** Weekly windows: open from start to end, their days, midnight, their zone. */
class WeeklyWindowTest extends ScheduleFixtures {
    // 2026-11-23 is a Monday.
    final Schedule nightly = of(weekly("nightly", DAILY, "02:00", Duration.ofHours(2), UTC));

    @Test
    void isOpenFromItsStartInclusiveToItsEndExclusive() {
        assertThat(nightly.openAt(utc("2026-11-23T01:59:59"))).isEmpty();
        assertThat(nightly.openAt(utc("2026-11-23T02:00:00"))).isPresent();
        assertThat(nightly.remainingAt(utc("2026-11-23T03:30:00"))).isEqualTo(Duration.ofMinutes(30));
        assertThat(nightly.openAt(utc("2026-11-23T04:00:00"))).isEmpty();
        assertThat(nightly.remainingAt(utc("2026-11-23T04:00:00"))).isZero();
    }

    @Test
    void theNextOpeningAfterTodaysWindowIsTomorrows() {
        Opening next = nightly.next(utc("2026-11-23T05:00")).orElseThrow();

        assertThat(next.start()).isEqualTo(utc("2026-11-24T02:00"));
        assertThat(next.end()).isEqualTo(utc("2026-11-24T04:00"));
        assertThat(next.windows()).containsExactly("nightly");
    }

    @Test
    void onlyItsDaysCount() {
        Schedule mondays = of(weekly("mon", EnumSet.of(DayOfWeek.MONDAY), "02:00", Duration.ofHours(1), UTC));

        assertThat(mondays.next(utc("2026-11-23T03:00")).orElseThrow().start()).isEqualTo(utc("2026-11-30T02:00"));
    }

    @Test
    void aWindowCrossingMidnightIsOpenOnTheNextDayAndBelongsToTheDayItStarts() {
        // Saturday 2026-11-28 23:00 for 3 h: open until Sunday 02:00, and not on Sunday night.
        Schedule late = of(weekly("late", EnumSet.of(DayOfWeek.SATURDAY), "23:00", Duration.ofHours(3), UTC));

        assertThat(late.openAt(utc("2026-11-29T01:00"))).isPresent();
        assertThat(late.remainingAt(utc("2026-11-29T01:00"))).isEqualTo(Duration.ofHours(1));
        assertThat(late.openAt(utc("2026-11-29T02:00"))).isEmpty();
        assertThat(late.next(utc("2026-11-29T02:00")).orElseThrow().start()).isEqualTo(utc("2026-12-05T23:00"));
    }

    @Test
    void aWindowIsReadInItsOwnZone() {
        // 02:00 in Berlin in winter is 01:00 UTC.
        Schedule berlin = of(weekly("b", DAILY, "02:00", Duration.ofHours(1), BERLIN));

        assertThat(berlin.next(utc("2026-11-23T00:00")).orElseThrow().start()).isEqualTo(utc("2026-11-23T01:00"));
    }
}
