package dev.molt.criu.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Waits for a condition with a deadline, checking it every few milliseconds. */
public final class Poll {

    private static final long INTERVAL_MILLIS = 20;

    private Poll() {}

    /** The first present value {@code probe} returns; fails naming {@code what} after {@code timeout}. */
    public static <T> T forValue(Duration timeout, String what, Callable<Optional<T>> probe) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> value = probe.call();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(INTERVAL_MILLIS); // the poll interval, not a synchronisation guess
        }
    }

    /** Waits until {@code condition} holds. */
    public static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
        forValue(timeout, what, () -> condition.call() ? Optional.of(true) : Optional.<Boolean>empty());
    }
}
