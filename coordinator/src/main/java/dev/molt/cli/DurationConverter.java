package dev.molt.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations on the command line: {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, or ISO {@code PT30S}. */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    Duration duration = parse(value);
    if (duration.isNegative() || duration.isZero()) {
      throw new TypeConversionException("'" + value + "' is not a positive duration");
    }
    return duration;
  }

  /** The duration as written, zero and negative included (callers say what they accept). */
  public static Duration parse(String value) {
    var matcher = SHORT.matcher(value);
    if (matcher.matches()) {
      try {
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
      } catch (NumberFormatException | ArithmeticException e) {
        throw new TypeConversionException("'" + value + "' is too long a duration");
      }
    }
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration: write 500ms, 30s, 10m or 1h");
    }
  }
}
