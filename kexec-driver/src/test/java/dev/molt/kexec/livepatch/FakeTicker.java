package dev.molt.kexec.livepatch;

import java.time.Duration;
import java.util.function.LongConsumer;

/** Time that moves only when the code under test sleeps; {@code onTick} sees the new time (ms since start). */
final class FakeTicker implements Ticker {
    private long nanos;
    private LongConsumer onTick = ms -> { };

    FakeTicker onTick(LongConsumer onTick) {
        this.onTick = onTick;
        return this;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public void sleep(Duration duration) {
        nanos += duration.toNanos();
        onTick.accept(nanos / 1_000_000);
    }

    long millis() {
        return nanos / 1_000_000;
    }
}
