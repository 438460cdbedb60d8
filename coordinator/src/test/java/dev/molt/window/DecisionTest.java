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

/** When an upgrade that needs some room may start: now, at a later opening, or never. */
class DecisionTest extends ScheduleFixtures {
    final Duration needed = Duration.ofMinutes(20);

    @Test
    void startsAtOnceWhenOpenWithRoom() {
        Schedule s = of(weekly("nightly", DAILY, "02:00", Duration.ofHours(2), UTC));

        var d = s.decide(utc("2026-11-23T02:10"), needed);

        assertThat(d).isInstanceOfSatisfying(Schedule.Decision.StartNow.class,
                now -> assertThat(now.left()).isEqualTo(Duration.ofMinutes(110)));
    }

    @Test
    void startsExactlyWhenTheRoomLeftEqualsWhatIsNeeded() {
        Schedule s = of(weekly("nightly", DAILY, "02:00", Duration.ofHours(2), UTC));

        assertThat(s.decide(utc("2026-11-23T03:40"), needed)).isInstanceOf(Schedule.Decision.StartNow.class);
        assertThat(s.decide(utc("2026-11-23T03:40:01"), needed)).isInstanceOf(Schedule.Decision.Wait.class);
    }

    @Test
    void waitsForTheNextWindowWhenTooLittleIsLeftInThisOne() {
        Schedule s = of(weekly("nightly", DAILY, "02:00", Duration.ofHours(2), UTC));

        var d = s.decide(utc("2026-11-23T03:50"), needed);

        assertThat(d).isInstanceOfSatisfying(Schedule.Decision.Wait.class, wait -> {
            assertThat(wait.opening().start()).isEqualTo(utc("2026-11-24T02:00"));
            assertThat(wait.passedOver()).singleElement().asString().contains("'nightly'").contains("has 10m left");
        });
    }

    @Test
    void waitsWhenClosed() {
        Schedule s = of(weekly("nightly", DAILY, "02:00", Duration.ofHours(2), UTC));

        var d = s.decide(utc("2026-11-23T12:00"), needed);

        assertThat(d).isInstanceOfSatisfying(Schedule.Decision.Wait.class, wait -> {
            assertThat(wait.opening().start()).isEqualTo(utc("2026-11-24T02:00"));
            assertThat(wait.passedOver()).isEmpty();
        });
    }

    @Test
    void aWindowTooShortForTheStopIsPassedOverForALongerOne() {
        Schedule s = of(weekly("short", DAILY, "01:00", Duration.ofMinutes(15), UTC),
                weekly("long", EnumSet.of(DayOfWeek.WEDNESDAY), "03:00", Duration.ofHours(1), UTC));

        var d = s.decide(utc("2026-11-23T00:00"), needed);

        assertThat(d).isInstanceOfSatisfying(Schedule.Decision.Wait.class, wait -> {
            assertThat(wait.opening().start()).isEqualTo(utc("2026-11-25T03:00"));
            assertThat(wait.opening().windows()).containsExactly("long");
            assertThat(wait.passedOver()).hasSize(3).allSatisfy(p -> assertThat(p).contains("'short'", "lasts 15m"));
        });
    }

    @Test
    void aWindowThatIsAlwaysTooShortIsNoWindowAndSaysSo() {
        Schedule s = of(weekly("short", DAILY, "01:00", Duration.ofMinutes(15), UTC));

        var d = s.decide(utc("2026-11-23T00:00"), needed);

        assertThat(d).isInstanceOfSatisfying(Schedule.Decision.NoWindow.class,
                none -> assertThat(none.why()).contains("'short'", "never open long enough", "20m"));
    }

    @Test
    void twoShortWindowsThatOverlapAreLongEnoughTogether() {
        Schedule s = of(weekly("a", DAILY, "01:00", Duration.ofMinutes(15), UTC),
                weekly("b", DAILY, "01:10", Duration.ofMinutes(15), UTC));

        var d = s.decide(utc("2026-11-23T01:00"), needed);

        assertThat(d).isInstanceOfSatisfying(Schedule.Decision.StartNow.class,
                now -> assertThat(now.left()).isEqualTo(Duration.ofMinutes(25)));
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aWindowEveryMinuteTooShortEachTimeIsGivenUpOnInReasonableTime() {
        Schedule s = of(CronWindow.of("flicker", "* * * * *", Duration.ofSeconds(30), UTC));

        var d = s.decide(utc("2026-11-23T00:00"), needed);

        assertThat(d).isInstanceOfSatisfying(Schedule.Decision.NoWindow.class,
                none -> assertThat(none.why()).contains("none of the next 2000 openings", "20m"));
    }

    @Test
    void noWindowsAtAll() {
        assertThat(of().decide(utc("2026-11-23T00:00"), needed)).isInstanceOfSatisfying(Schedule.Decision.NoWindow.class,
                none -> assertThat(none.why()).contains("molt window add"));
    }

    @Test
    void aStartMovedByTheGapStillHasItsFullLength() {
        // Berlin spring forward: 02:30 for 1 h opens at 03:00 CEST and has the whole hour.
        Schedule s = of(weekly("w", DAILY, "02:30", Duration.ofHours(1), BERLIN));

        var d = s.decide(utc("2026-03-29T01:00"), Duration.ofHours(1));

        assertThat(d).isInstanceOf(Schedule.Decision.StartNow.class);
    }
}
