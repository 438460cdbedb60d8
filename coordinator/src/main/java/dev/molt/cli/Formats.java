package dev.molt.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How numbers and times read in the human output. Always UTC: the daemon may be another host. */
public final class Formats {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB"};

  private Formats() {}

  /** {@code 512 B}, {@code 1.5 KiB}, {@code 57.0 MiB}. */
  public static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }

  /** {@code 850 ms}, {@code 4.36 s}. */
  public static String millis(long millis) {
    return millis < 1000
        ? millis + " ms"
        : String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
  }

  /** {@code 850 ms}, {@code 4.41 s}, {@code 10 min}, {@code 1 min 30 s}. */
  public static String duration(Duration duration) {
    if (duration.compareTo(Duration.ofMinutes(1)) < 0) {
      return millis(duration.toMillis());
    }
    long seconds = duration.toSeconds();
    return seconds % 60 == 0
        ? seconds / 60 + " min"
        : seconds / 60 + " min " + seconds % 60 + " s";
  }

  /** {@code 2026-11-23 19:29:03Z}, or {@code -} for 0 (not set). */
  public static String time(long epochMillis) {
    return epochMillis == 0 ? "-" : TIME.format(Instant.ofEpochMilli(epochMillis));
  }

  /** {@code -} for an empty string, so table columns stay aligned. */
  public static String orDash(String value) {
    return value == null || value.isEmpty() ? "-" : value;
  }
}
