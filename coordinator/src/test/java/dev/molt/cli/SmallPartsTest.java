package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** Backoff, durations and number formats. */
class SmallPartsTest {
  @Test
  void backoffDoublesFromItsStartUpToItsCeiling() {
    var backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(700), 2);

    assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff.delay(3)).isEqualTo(Duration.ofMillis(400));
    assertThat(backoff.delay(4)).isEqualTo(Duration.ofMillis(700));
    assertThat(backoff.delay(1000)).isEqualTo(Duration.ofMillis(700));
  }

  @Test
  void backoffRejectsNonsenseNamingTheValue() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2))
        .hasMessage("initial delay must be positive, was PT0S");
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2))
        .hasMessage("max delay PT1S is below initial PT2S");
    assertThatThrownBy(() -> Backoff.DEFAULT.delay(0)).hasMessage("attempts count from 1, was 0");
  }

  @Test
  void durationsReadShortAndIsoForms() {
    var durations = new DurationConverter();

    assertThat(durations.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(durations.convert("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(durations.convert("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(durations.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(durations.convert("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(() -> durations.convert("ten minutes"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'ten minutes' is not a duration: write 500ms, 30s, 10m or 1h");
    assertThatThrownBy(() -> durations.convert("0s")).hasMessage("'0s' is not a positive duration");
  }

  @Test
  void bytesAndMillisReadAsPeopleWriteThem() {
    assertThat(Formats.bytes(0)).isEqualTo("0 B");
    assertThat(Formats.bytes(1023)).isEqualTo("1023 B");
    assertThat(Formats.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(Formats.bytes(57L << 20)).isEqualTo("57.0 MiB");
    assertThat(Formats.bytes(40L << 30)).isEqualTo("40.0 GiB");
    assertThat(Formats.millis(850)).isEqualTo("850 ms");
    assertThat(Formats.millis(4410)).isEqualTo("4.41 s");
    assertThat(Formats.time(0)).isEqualTo("-");
    assertThat(Formats.time(Samples.CREATED)).isEqualTo("2026-11-18 11:06:40Z");
  }
}
