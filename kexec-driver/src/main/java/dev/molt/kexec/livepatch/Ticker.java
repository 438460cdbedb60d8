package dev.molt.kexec.livepatch;

import java.time.Duration;

/** Time for the transition follower: the system's in production, a fake that jumps in unit tests. */
public interface Ticker {
    long nanoTime();

    void sleep(Duration duration) throws InterruptedException;

    static Ticker system() {
        return new Ticker() {
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
}
