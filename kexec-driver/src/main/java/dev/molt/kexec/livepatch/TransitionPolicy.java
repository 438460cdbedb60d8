package dev.molt.kexec.livepatch;

import java.time.Duration;

/**
 * How long a livepatch transition may take and what Molt does about tasks that hold it up.
 *
 * @param poll      how often the transition is looked at
 * @param grace     after this, user tasks asleep interruptibly (state S) on the old state are
 *                  nudged with SIGSTOP/SIGCONT, and again every {@code grace}; zero nudges at once
 * @param timeout   after this the transition is reversed (enabled := 0) and who blocked is reported
 * @param reversalTimeout how long the reversal itself may take before Molt gives up and reports it stuck
 * @param force     at the timeout write {@code force} instead of reversing: the patch completes at
 *                  once, but its module then stays loaded until reboot. Only on an operator's flag.
 */
public record TransitionPolicy(Duration poll, Duration grace, Duration timeout, Duration reversalTimeout, boolean force) {

    public TransitionPolicy {
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive, was " + poll);
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace period must not be negative, was " + grace);
        }
        if (timeout.compareTo(grace) < 0) {
            throw new IllegalArgumentException("timeout " + timeout + " is shorter than the grace period " + grace
                    + ": tasks would never be nudged");
        }
        if (reversalTimeout.isNegative() || reversalTimeout.isZero()) {
            throw new IllegalArgumentException("reversal timeout must be positive, was " + reversalTimeout);
        }
    }

    /** Molt's defaults: nudge after 5 s (the kernel's own fake signal comes at ~15 s), reverse after 60 s. */
    public static TransitionPolicy defaults() {
        return new TransitionPolicy(Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(60), false);
    }

    public TransitionPolicy withGrace(Duration grace) {
        return new TransitionPolicy(poll, grace, timeout, reversalTimeout, force);
    }

    public TransitionPolicy withTimeout(Duration timeout) {
        return new TransitionPolicy(poll, grace, timeout, reversalTimeout, force);
    }

    public TransitionPolicy withForce(boolean force) {
        return new TransitionPolicy(poll, grace, timeout, reversalTimeout, force);
    }
}
