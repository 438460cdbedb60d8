package dev.molt.kexec.livepatch;

import java.time.Duration;
import java.util.List;

/**
 * How a livepatch transition ended.
 *
 * @param blockers the tasks that held it at the timeout (empty when it completed in time)
 * @param nudged   how many processes were sent SIGSTOP/SIGCONT
 */
public record TransitionResult(Outcome outcome, Duration elapsed, List<Straggler> blockers, int nudged) {

    public enum Outcome {
        /** Every task reached the target state. */
        COMPLETED,
        /** The timeout passed; the transition was reversed and the reversal completed. */
        REVERSED,
        /** The timeout passed, the reversal was started, but it did not complete either. */
        REVERSAL_STUCK,
        /** The timeout passed and the operator's force flag completed it: the module stays until reboot. */
        FORCED
    }

    public TransitionResult {
        blockers = List.copyOf(blockers);
    }
}
