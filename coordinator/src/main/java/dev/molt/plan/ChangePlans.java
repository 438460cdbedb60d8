package dev.molt.plan;

import dev.molt.api.v1.ChangeDecision;
import dev.molt.api.v1.Check;
import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.kexec.livepatch.LivepatchDriver;
import dev.molt.kexec.livepatch.ModuleInfo;
import dev.molt.kexec.livepatch.PatchStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The Plan rpc: with a target release, first the choice between livepatch and full upgrade
 * ({@link ChangePlanner}); a full upgrade (or a plan without a target release) then gets the
 * upgrade's own plan and preflight.
 */
public final class ChangePlans {
    private final LivepatchDriver livepatches;
    private final Function<dev.molt.api.v1.UpgradeSpec, UpgradePlan> upgradePlan;
    private final ChangePlanner planner = new ChangePlanner();
    private final boolean livepatchAllowed;

    public ChangePlans(LivepatchDriver livepatches, Function<dev.molt.api.v1.UpgradeSpec, UpgradePlan> upgradePlan) {
        this(livepatches, upgradePlan, true);
    }

    /** @param livepatchAllowed false under {@code policy.livepatch = never}: every change is a full upgrade */
    public ChangePlans(LivepatchDriver livepatches, Function<dev.molt.api.v1.UpgradeSpec, UpgradePlan> upgradePlan,
            boolean livepatchAllowed) {
        this.livepatches = livepatches;
        this.upgradePlan = upgradePlan;
        this.livepatchAllowed = livepatchAllowed;
    }

    public UpgradePlan plan(PlanRequest request) {
        if (request.getToRelease().isBlank()) {
            if (request.getLivepatchModulesCount() > 0) {
                throw new dev.molt.upgrade.UpgradeException.InvalidArgument("to_release",
                        "required with livepatch_modules: the release the modules should bring the host to");
            }
            return upgradePlan.apply(request.getSpec());
        }
        ChangeDecision decision = decide(request);
        return switch (decision.getPath()) {
            case LIVEPATCH -> livepatchPlan(decision);
            case NOTHING -> UpgradePlan.newBuilder().setOk(true).setChange(decision).build();
            default -> {
                if (request.getSpec().getWorkloadsCount() == 0) {
                    yield UpgradePlan.newBuilder().setOk(false).setChange(decision)
                            .addChecks(Check.newBuilder().setName("workloads").setOk(false)
                                    .setDetail("a full upgrade needs the workloads to protect (--workload, or workload.NAME in moltd.conf) and the new kernel"
                                            + " (--kernel, --initrd)"))
                            .build();
                }
                yield upgradePlan.apply(request.getSpec()).toBuilder().setChange(decision).build();
            }
        };
    }

    public ChangeDecision decide(PlanRequest request) {
        if (!livepatchAllowed && request.getLivepatchModulesCount() > 0) {
            ChangeDecision full = decide(request.toBuilder().clearLivepatchModules().build());
            return full.toBuilder().addReasons("policy.livepatch = never: the offered modules were not considered").build();
        }
        List<ChangePlanner.Offered> offered = request.getLivepatchModulesList().stream()
                .map(path -> ChangePlanner.Offered.read(path, p -> ModuleInfo.read(Path.of(p)))).toList();
        List<String> loaded = livepatches.list().stream().map(PatchStatus::name).toList();
        return planner.decide(livepatches.runningRelease(), livepatches.supported(), loaded, request.getToRelease(), offered);
    }

    private static UpgradePlan livepatchPlan(ChangeDecision decision) {
        UpgradePlan.Builder plan = UpgradePlan.newBuilder().setOk(true).setChange(decision);
        for (String module : decision.getLivepatchModulesList()) {
            plan.addSteps("livepatch " + module + ": load, follow the transition (nudge sleepers, reverse at the timeout)");
            plan.addChecks(Check.newBuilder().setName("livepatch:" + Path.of(module).getFileName()).setOk(true)
                    .setDetail("built for the running kernel " + decision.getRunningRelease() + ", carries " + decision.getToRelease()));
        }
        return plan.build();
    }
}
