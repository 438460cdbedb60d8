package dev.molt.policy;

import dev.molt.scheduler.StopEstimate;
import dev.molt.upgrade.UpgradeException;
import dev.molt.window.WindowTimes;
import java.time.Duration;
import java.util.Optional;

/**
 * The rules an upgrade must meet to start, from the configuration's {@code policy.*} lines.
 *
 * @param requireWindow {@code policy.require_window}: an upgrade started directly (not scheduled
 *     into a window) is refused while no maintenance window is open
 * @param maxStop {@code policy.max_stop}: an upgrade is refused when this host's own past stops
 *     (the longest of its last DONE upgrades, as the scheduler estimates them) exceed it; empty for
 *     no limit. With no past upgrade there is nothing to judge by, and the first one may run.
 * @param livepatch {@code policy.livepatch}: whether the planner may choose a livepatch
 */
public record UpgradePolicy(boolean requireWindow, Optional<Duration> maxStop, Livepatch livepatch) {

    /** The type of the PreconditionFailure detail of a refusal, for clients to tell it apart. */
    public static final String VIOLATION = "POLICY";

    /** Whether a target release may be reached by livepatch. */
    public enum Livepatch {
        /** When the offered modules carry the fix (the planner's choice). */
        ALLOW,
        /** Never: every change is a full upgrade (a host whose vendor does not support livepatching). */
        NEVER
    }

    public static UpgradePolicy permissive() {
        return new UpgradePolicy(false, Optional.empty(), Livepatch.ALLOW);
    }

    /**
     * Refuses a direct start that breaks a rule, naming the rule and what to do.
     *
     * @param windowOpen whether a maintenance window is open now
     * @param estimate this host's stop estimate
     */
    public void admitDirectStart(boolean windowOpen, StopEstimate estimate) {
        if (requireWindow && !windowOpen) {
            throw new UpgradeException.FailedPrecondition(VIOLATION, "policy.require_window",
                    "policy.require_window: no maintenance window is open now; schedule the upgrade into one"
                            + " (molt upgrade --in-window, or molt schedule) or wait for one (molt window list)");
        }
        admitStop(estimate);
    }

    /** Refuses an upgrade whose estimated stop is longer than {@code policy.max_stop}. */
    public void admitStop(StopEstimate estimate) {
        Optional<String> problem = stopProblem(estimate);
        if (problem.isPresent()) {
            throw new UpgradeException.FailedPrecondition(VIOLATION, "policy.max_stop", problem.get());
        }
    }

    /** What {@code policy.max_stop} says of the estimate: a problem, or nothing. */
    public Optional<String> stopProblem(StopEstimate estimate) {
        if (maxStop.isEmpty() || estimate.fromHistory() == 0 || estimate.stop().compareTo(maxStop.get()) <= 0) {
            return Optional.empty();
        }
        return Optional.of("policy.max_stop is " + WindowTimes.duration(maxStop.get()) + ", but this host's upgrades"
                + " stopped the workloads up to " + WindowTimes.duration(estimate.stop()) + " (longest of the last "
                + estimate.fromHistory() + "); protect fewer or smaller workloads, or raise policy.max_stop");
    }

    /** The plan's check of the policy: what applies and whether the upgrade would pass. */
    public String describe(StopEstimate estimate) {
        StringBuilder s = new StringBuilder();
        s.append(requireWindow ? "only in a maintenance window" : "any time");
        s.append("; ").append(maxStop.map(d -> "stop at most " + WindowTimes.duration(d)
                + (estimate.fromHistory() == 0 ? " (no past upgrade to judge by: the first may run)"
                        : " (past stops up to " + WindowTimes.duration(estimate.stop()) + ")"))
                .orElse("no stop limit"));
        s.append("; livepatch ").append(livepatch == Livepatch.ALLOW ? "allowed" : "never");
        return s.toString();
    }
}
