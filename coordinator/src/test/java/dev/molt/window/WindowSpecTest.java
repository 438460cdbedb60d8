package dev.molt.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Window parts as operators write them, and the errors that name the bad part. */
class WindowSpecTest {
    @Test
    void daysInListsRangesAndDaily() {
        assertThat(WindowTimes.days(List.of("mon,Tue", "fri"))).containsExactlyInAnyOrder(DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.FRIDAY);
        assertThat(WindowTimes.days(List.of("mon-fri"))).hasSize(5).doesNotContain(DayOfWeek.SATURDAY);
        assertThat(WindowTimes.days(List.of("sat-mon"))).containsExactlyInAnyOrder(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY, DayOfWeek.MONDAY);
        assertThat(WindowTimes.days(List.of("daily"))).hasSize(7);
    }

    @Test
    void aBadDayIsNamed() {
        assertThatThrownBy(() -> WindowTimes.days(List.of("mon,mnd")))
                .isInstanceOf(WindowSpecException.class)
                .hasMessage("day 'mnd' is not one of mon..sun");
    }

    @ParameterizedTest
    @CsvSource({"25:00", "24:00", "02:60", "02:00:60", "2am", "0200"})
    void aStartThatIsNoTimeOfDayIsNamed(String start) {
        assertThatThrownBy(() -> WindowTimes.start(start))
                .isInstanceOf(WindowSpecException.class)
                .hasMessageStartingWith("start " + start + " is not a time of day (HH:MM");
    }

    @Test
    void startsThatAreTimesOfDay() {
        assertThat(WindowTimes.start("2:05")).isEqualTo(LocalTime.of(2, 5));
        assertThat(WindowTimes.start("23:59")).isEqualTo(LocalTime.of(23, 59));
        assertThat(WindowTimes.start("00:00")).isEqualTo(LocalTime.MIDNIGHT);
        assertThat(WindowTimes.start("02:00:30")).isEqualTo(LocalTime.of(2, 0, 30));
    }

    @Test
    void anUnknownZoneIsNamed() {
        assertThatThrownBy(() -> WindowTimes.zone("Mars/Base"))
                .isInstanceOf(WindowSpecException.class)
                .hasMessageStartingWith("unknown time zone 'Mars/Base'");
        assertThat(WindowTimes.zone("UTC").getId()).isEqualTo("UTC");
    }

    @Test
    void aLengthMustBePositiveAndAtMostAWeek() {
        var days = EnumSet.of(DayOfWeek.MONDAY);
        assertThatThrownBy(() -> new WeeklyWindow("w", days, LocalTime.NOON, Duration.ZERO, ZoneOffset.UTC))
                .isInstanceOf(WindowSpecException.class)
                .hasMessageStartingWith("length must be positive");
        assertThatThrownBy(() -> new WeeklyWindow("w", days, LocalTime.NOON, Duration.ofMinutes(-5), ZoneOffset.UTC))
                .hasMessageStartingWith("length must be positive");
        assertThatThrownBy(() -> new WeeklyWindow("w", days, LocalTime.NOON, Duration.ofDays(8), ZoneOffset.UTC))
                .hasMessageContaining("longer than the 7 days");
    }

    @Test
    void aNameMustBeUsableOnTheCommandLine() {
        assertThatThrownBy(() -> new WeeklyWindow("night ly", EnumSet.of(DayOfWeek.MONDAY), LocalTime.NOON, Duration.ofHours(1), ZoneOffset.UTC))
                .hasMessageContaining("window name 'night ly' must be");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0 25 * * *   | hour '25' is out of range 0-23",
        "60 2 * * *   | minute '60' is out of range 0-59",
        "0 2 * *      | has 4 fields, needs five",
        "x 2 * * *    | minute 'x': 'x' is not a number",
        "0 2 * * mnd  | day-of-week 'mnd': 'mnd' is not a number or one of sun,mon",
        "0 2 0 * *    | day-of-month '0' is out of range 1-31",
        "0 5-2 * * *  | range runs backwards",
        "*/0 2 * * *  | step must be at least 1",
        "0 2,,3 * * * | is empty"
    })
    void aBadCronExpressionIsNamed(String expression, String message) {
        assertThatThrownBy(() -> Cron.parse(expression))
                .isInstanceOf(WindowSpecException.class)
                .hasMessageContaining(message.trim());
    }

    @Test
    void describedAsTheOperatorWroteIt() {
        var w = new WeeklyWindow("w", EnumSet.of(DayOfWeek.TUESDAY, DayOfWeek.MONDAY), LocalTime.of(2, 0), Duration.ofMinutes(90),
                java.time.ZoneId.of("Europe/Berlin"));
        assertThat(w.describe()).isEqualTo("mon,tue 02:00 for 1h30m Europe/Berlin");
        assertThat(CronWindow.of("c", "0 2 * * 1-5", Duration.ofHours(2), ZoneOffset.UTC).describe())
                .isEqualTo("cron '0 2 * * 1-5' for 2h Z");
    }
}
