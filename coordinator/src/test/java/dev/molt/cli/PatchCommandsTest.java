package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.ChangeDecision;
import dev.molt.api.v1.ListPatchesResponse;
import dev.molt.api.v1.LivepatchFallback;
import dev.molt.api.v1.LivepatchInfo;
import dev.molt.api.v1.PatchOperation;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.api.v1.PatchPhase;
import dev.molt.api.v1.PatchProgress;
import dev.molt.api.v1.PatchedObject;
import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.RevertPatchRequest;
import dev.molt.api.v1.Straggler;
import dev.molt.api.v1.UpgradePlan;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PatchCommandsTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  static PatchProgress progress(PatchPhase phase, int remaining, long elapsedMillis, String message) {
    return PatchProgress.newBuilder().setPatch("fix").setPhase(phase).setTasksRemaining(remaining)
        .setElapsedMillis(elapsedMillis).setMessage(message).build();
  }

  static PatchProgress ended(PatchOperationState state, String message, Straggler... blockers) {
    return PatchProgress.newBuilder().setPatch("fix").setPhase(PatchPhase.PHASE_ENDED)
        .setOperation(PatchOperation.newBuilder().setId("lp-1").setPatch("fix").setState(state).setMessage(message)
            .addAllBlockers(List.of(blockers)))
        .build();
  }

  static final Straggler D_SLEEPER = Straggler.newBuilder().setPid(390).setTgid(390).setComm("cat").setState("D")
      .setStack("[<0>] molt_target_sleep_d+0x20/0x40 [molt_lp_target]\n[<0>] read_d+0x24/0x38 [molt_lp_target]").build();

  @Test
  void applyShowsTheTasksRemainingAndNudgesThenTheOutcome() {
    cli.livepatches.applyStream = List.of(
        progress(PatchPhase.PHASE_LOADING, 0, 0, "loading fix (built for 6.1.0-56-amd64)"),
        progress(PatchPhase.PHASE_PATCHING, 1, 500, ""),
        progress(PatchPhase.PHASE_PATCHING, 1, 750, ""),
        progress(PatchPhase.PHASE_NUDGED, 1, 3000, "sent SIGSTOP/SIGCONT to pid 347 'cat' state S in molt_target_sleep_s"),
        progress(PatchPhase.PHASE_PATCHING, 0, 4700, ""),
        ended(PatchOperationState.PATCH_COMPLETED, "fix is live: every task switched in 4700 ms (1 nudged)"));

    CliRun run = cli.run("patch", "apply", "/lp/fix.ko", "--grace", "3s", "--transition-timeout", "90s");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).contains("fix: loading fix (built for 6.1.0-56-amd64)")
        .contains("patching fix: 1 task remaining (0.5 s)")
        .contains("fix: sent SIGSTOP/SIGCONT to pid 347")
        .contains("patching fix: 0 tasks remaining (4.7 s)");
    assertThat(run.err().lines().filter(l -> l.contains("1 task remaining"))).as("unchanged counts are not repeated").hasSize(1);
    assertThat(run.out()).isEqualTo("COMPLETED: fix is live: every task switched in 4700 ms (1 nudged)\n");
    ApplyPatchRequest request = cli.livepatches.last(ApplyPatchRequest.class);
    assertThat(request.getModulePath()).isEqualTo("/lp/fix.ko");
    assertThat(request.getTransition().getGraceMillis()).isEqualTo(3000);
    assertThat(request.getTransition().getTimeoutMillis()).isEqualTo(90_000);
    assertThat(request.getTransition().getForce()).isFalse();
  }

  @Test
  void aReversedApplyExitsOneAndListsEachBlockerWithItsStack() {
    cli.livepatches.applyStream = List.of(ended(PatchOperationState.PATCH_REVERSED,
        "the transition of fix did not complete within 10 s and was reversed", D_SLEEPER));

    CliRun run = cli.run("patch", "apply", "/lp/fix.ko");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UPGRADE_NOT_DONE);
    assertThat(run.out()).contains("REVERSED: the transition of fix")
        .contains("  blocked by pid 390 'cat' state D\n")
        .contains("      [<0>] molt_target_sleep_d+0x20/0x40 [molt_lp_target]");
  }

  @Test
  void aRefusedApplyExitsThreeWithTheDaemonsReason() {
    cli.livepatches.failure = Status.FAILED_PRECONDITION.withDescription(
        "the livepatch fix (/lp/fix.ko) was built for kernel 6.1.0-50-amd64 ... nothing was loaded");

    CliRun run = cli.run("patch", "apply", "/lp/fix.ko");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.err()).contains("built for kernel 6.1.0-50-amd64").contains("nothing was loaded");
  }

  @Test
  void forceIsPassedOnlyWhenAskedAndWarnsThatTheModuleStays() {
    cli.livepatches.applyStream = List.of(ended(PatchOperationState.PATCH_FORCED, "fix was forced"));

    CliRun run = cli.run("patch", "apply", "/lp/fix.ko", "--force");

    assertThat(run.exitCode()).isZero();
    assertThat(run.err()).contains("stays loaded until reboot");
    assertThat(cli.livepatches.last(ApplyPatchRequest.class).getTransition().getForce()).isTrue();
  }

  @Test
  void aRelativeModulePathIsRefusedForARemoteDaemon() {
    CliRun run = cli.run("--connect", "db7:7300", "patch", "apply", "fix.ko");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("fix.ko is relative");
  }

  @Test
  void listShowsNameFlagsReplaceAndObjects() {
    cli.livepatches.list = ListPatchesResponse.newBuilder().setRunningRelease("6.1.0-56-amd64").setSupported(true)
        .addPatches(LivepatchInfo.newBuilder().setName("molt_lp_cmdline_b").setEnabled(true).setReplace("yes")
            .addObjects(PatchedObject.newBuilder().setName("vmlinux").setPatched(true).addFunctions("cmdline_proc_show,1")))
        .build();

    CliRun run = cli.run("patch", "list");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).containsPattern("NAME +ENABLED +TRANSITION +REPLACE +OBJECTS")
        .containsPattern("molt_lp_cmdline_b +yes +no +yes +vmlinux: cmdline_proc_show");
  }

  @Test
  void listSaysWhenNothingIsLoadedOrTheKernelCannotLivepatch() {
    cli.livepatches.list = ListPatchesResponse.newBuilder().setRunningRelease("6.1.0-56-amd64").setSupported(true).build();
    assertThat(cli.run("patch", "list").out()).contains("no livepatch loaded (kernel 6.1.0-56-amd64)");

    cli.livepatches.list = ListPatchesResponse.newBuilder().setRunningRelease("6.18").setSupported(false).build();
    assertThat(cli.run("patch", "list").out()).contains("kernel 6.18 has no livepatch support");
  }

  @Test
  void revertFollowsTheUnpatchingAndANameThatIsNotLoadedExitsFour() {
    cli.livepatches.revertStream = List.of(progress(PatchPhase.PHASE_UNPATCHING, 0, 0, ""),
        ended(PatchOperationState.PATCH_COMPLETED, "fix is reverted and its module unloaded (0 ms)"));

    CliRun run = cli.run("patch", "revert", "fix");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("COMPLETED: fix is reverted");
    assertThat(cli.livepatches.last(RevertPatchRequest.class).getName()).isEqualTo("fix");

    cli.livepatches.failure = Status.NOT_FOUND.withDescription("no livepatch named nope is loaded");
    assertThat(cli.run("patch", "revert", "nope").exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
  }

  static UpgradePlan livepatchPlan() {
    return UpgradePlan.newBuilder().setOk(true).addSteps("livepatch /lp/fix.ko: load, follow the transition")
        .setChange(ChangeDecision.newBuilder().setPath(ChangeDecision.Path.LIVEPATCH).setRunningRelease("6.1.0-56-amd64")
            .setToRelease("6.1.0-57-amd64").addLivepatchModules("/lp/fix.ko")
            .addReasons("/lp/fix.ko (fix): a livepatch built for the running kernel 6.1.0-56-amd64 that carries the fixes of 6.1.0-57-amd64"))
        .build();
  }

  @Test
  void planToAReleasePrintsTheDecisionAndEveryReasonWithoutNeedingWorkloads() {
    cli.upgrades.plan = livepatchPlan();

    CliRun run = cli.run("plan", "--to", "6.1.0-57-amd64", "--livepatch", "/lp/fix.ko");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("Decision: LIVEPATCH (6.1.0-56-amd64 -> 6.1.0-57-amd64)")
        .contains("  - /lp/fix.ko (fix): a livepatch built for the running kernel")
        .contains(" 1. livepatch /lp/fix.ko");
    PlanRequest request = cli.upgrades.last(PlanRequest.class);
    assertThat(request.getToRelease()).isEqualTo("6.1.0-57-amd64");
    assertThat(request.getLivepatchModulesList()).containsExactly("/lp/fix.ko");
    assertThat(request.hasSpec()).isFalse();
  }

  @Test
  void aLivepatchWithoutATargetReleaseIsAUsageError() {
    CliRun run = cli.run("plan", "--livepatch", "/lp/fix.ko", "-w", "pid:1", "--switch", "restart");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--livepatch needs --to RELEASE");
  }

  @Test
  void upgradeToAReleaseAppliesTheLivepatchAndStopsWhenItIsReversedAndThePolicySaysStop() {
    cli.upgrades.plan = livepatchPlan();
    cli.livepatches.applyStream = List.of(ended(PatchOperationState.PATCH_REVERSED, "reversed", D_SLEEPER));

    CliRun run = cli.run("upgrade", "--to", "6.1.0-57-amd64", "--livepatch", "/lp/fix.ko",
        "--on-livepatch-failure", "stop");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UPGRADE_NOT_DONE);
    assertThat(run.err()).contains("Decision: LIVEPATCH").contains("The livepatch was reversed; the kernel runs as before");
    assertThat(cli.livepatches.last(ApplyPatchRequest.class).getOnFailure()).isEqualTo(LivepatchFallback.LIVEPATCH_FALLBACK_NONE);
  }

  @Test
  void theUpgradeFallbackPolicyNeedsTheFullUpgradesOptionsAndPassesThemToTheDaemon() {
    cli.upgrades.plan = livepatchPlan();
    CliRun missing = cli.run("upgrade", "--to", "6.1.0-57-amd64", "--livepatch", "/lp/fix.ko",
        "--on-livepatch-failure", "upgrade");
    assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("--on-livepatch-failure upgrade needs the full upgrade's options");

    cli.livepatches.applyStream = List.of(ended(PatchOperationState.PATCH_COMPLETED, "fix is live"));
    CliRun run = cli.run("upgrade", "--to", "6.1.0-57-amd64", "--livepatch", "/lp/fix.ko",
        "--on-livepatch-failure", "upgrade", "-w", "pid:4242", "--switch", "restart");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    ApplyPatchRequest request = cli.livepatches.last(ApplyPatchRequest.class);
    assertThat(request.getOnFailure()).isEqualTo(LivepatchFallback.LIVEPATCH_FALLBACK_UPGRADE);
    assertThat(request.getFallbackUpgrade().getWorkloads(0).getPid()).isEqualTo(4242);
  }
}
