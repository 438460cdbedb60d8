package dev.molt.cli;

import java.time.Duration;

/** The passing of time, as the reconnect logic sees it; tests replace it with a fake. */
public interface TimeSource {
  /** A monotonic reading in nanoseconds, comparable only with other readings. */
  long nanoTime();

  /** Waits for {@code duration}. */
  void sleep(Duration duration) throws InterruptedException;

  /** The JVM's monotonic clock and {@link Thread#sleep}. */
  TimeSource SYSTEM =
      new TimeSource() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
          Thread.sleep(duration);
        }
      };
}
