package dev.molt.it;

import java.time.Duration;

/** Waits for a condition with a deadline: the tests' only way to wait. */
final class Poll {
    private Poll() {}

    interface Condition {
        boolean holds() throws Exception;
    }

    static void until(Duration timeout, String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
