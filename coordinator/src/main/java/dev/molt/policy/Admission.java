package dev.molt.policy;

import dev.molt.api.v1.Check;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.scheduler.StopEstimate;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where the configured policy meets a request: fills in the protected workloads, and refuses what
 * the rules forbid before anything is journaled. The API and the scheduler both start upgrades;
 * both come through here.
 */
public final class Admission {
    private final ProtectedWorkloads workloads;
    private final UpgradePolicy policy;
    private final BooleanSupplier windowOpen;
    private final Supplier<StopEstimate> estimate;

    /**
     * @param windowOpen whether a maintenance window is open now
     * @param estimate this host's stop estimate, from its past upgrades
     */
    public Admission(ProtectedWorkloads workloads, UpgradePolicy policy, BooleanSupplier windowOpen, Supplier<StopEstimate> estimate) {
        this.workloads = workloads;
        this.policy = policy;
        this.windowOpen = windowOpen;
        this.estimate = estimate;
    }

    /** No configured workloads, no rules. */
    public static Admission open() {
        return new Admission(ProtectedWorkloads.none(), UpgradePolicy.permissive(), () -> true,
                () -> StopEstimate.from(java.util.List.of()));
    }

    public UpgradePolicy policy() {
        return policy;
    }

    /** The spec with the configured workloads when it names none. */
    public UpgradeSpec complete(UpgradeSpec spec) {
        return workloads.complete(spec);
    }

    /** An upgrade started by an operator now: every rule applies. */
    public UpgradeSpec admitDirectStart(UpgradeSpec spec) {
        policy.admitDirectStart(windowOpen.getAsBoolean(), estimate.get());
        return complete(spec);
    }

    /** An upgrade the scheduler starts in its window: the window is its own; the stop limit applies. */
    public UpgradeSpec admitScheduledStart(UpgradeSpec spec) {
        policy.admitStop(estimate.get());
        return complete(spec);
    }

    /** The plan with a check of the policy, which fails where a direct start would be refused. */
    public UpgradePlan withPolicyCheck(UpgradePlan plan) {
        StopEstimate e = estimate.get();
        String detail = policy.describe(e);
        boolean ok = true;
        if (policy.requireWindow() && !windowOpen.getAsBoolean()) {
            ok = false;
            detail += "; no maintenance window is open now: schedule the upgrade into one (--in-window)";
        }
        var stop = policy.stopProblem(e);
        if (stop.isPresent()) {
            ok = false;
            detail += "; " + stop.get();
        }
        return plan.toBuilder()
                .addChecks(Check.newBuilder().setName("policy").setOk(ok).setDetail(detail))
                .setOk(plan.getOk() && ok)
                .build();
    }
}
