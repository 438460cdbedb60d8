package dev.molt.cli;

import java.time.Duration;

/**
 * Delays between reconnect attempts: {@code initial}, then multiplied by {@code multiplier} per
 * attempt, never more than {@code max}. No jitter: one CLI reconnecting to one daemon has no herd
 * to spread out.
 */
public record Backoff(Duration initial, Duration max, double multiplier) {
  /** 250 ms doubling to 5 s: a restarting daemon is back within a second or two on the host. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5), 2);

  public Backoff {
    if (initial.isNegative() || initial.isZero()) {
      throw new IllegalArgumentException("initial delay must be positive, was " + initial);
    }
    if (max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("max delay " + max + " is below initial " + initial);
    }
    if (multiplier < 1) {
      throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
    }
  }

  /** The delay before attempt {@code attempt} (1 for the first retry). */
  public Duration delay(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempts count from 1, was " + attempt);
    }
    double millis = initial.toMillis() * Math.pow(multiplier, attempt - 1);
    return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
  }
}
