package dev.molt.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

/**
 * Time for CLI tests: a sleep returns at once and moves the clock on by its duration. A hook runs
 * on each sleep, numbered from 1, so a test can bring a daemon back during the Nth wait.
 */
final class FakeTimeSource implements TimeSource {
  private volatile long nanos = 1_000_000_000L;
  private volatile IntConsumer onSleep = sleep -> {};
  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  void onSleep(IntConsumer hook) {
    this.onSleep = hook;
  }

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public void sleep(Duration duration) {
    sleeps.add(duration);
    nanos += duration.toNanos();
    onSleep.accept(sleeps.size());
  }
}
