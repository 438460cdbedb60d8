package dev.molt.cli;

import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.StartUpgradeRequest;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code molt upgrade}: moves the workloads onto a new kernel and reports their stop. */
@Command(
    name = "upgrade",
    mixinStandardHelpOptions = true,
    description = {
      "Upgrades this host's kernel under the protected workloads: parks them, checkpoints them"
          + " into the snapshot store, switches kernels, restores and unparks them. Then prints"
          + " the stop report: how long each phase kept the workloads stopped.",
      "",
      "It follows the upgrade to its end, through the daemon restarting (the restart switch) or"
          + " the host rebooting into the new kernel (kexec; reachable only with --connect):"
          + " it reconnects and resumes from the last event it saw. Ctrl-C stops following,"
          + " not the upgrade: `molt upgrades watch ID` follows it again, `molt upgrades cancel"
          + " ID` stops it before the switch.",
      "",
      "The request id makes a retry safe: the daemon starts one upgrade per id, and a repeated"
          + " request attaches to it.",
      "",
      "With --to RELEASE it carries out `molt plan --to`: a livepatch when a --livepatch module"
          + " built for the running kernel carries RELEASE's fixes (no workload stops), else the"
          + " full upgrade. If the livepatch's transition is reversed, --on-livepatch-failure decides."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt upgrade --workload unit:redis-server.service \\",
      "      --kernel /boot/vmlinuz-6.1.0-56-amd64 \\",
      "      --initrd /boot/initrd.img-6.1.0-56-amd64",
      "  molt upgrade --workload cgroup:molt-demo/counter --switch restart",
      "  molt upgrade --workload pid:4242 --switch restart --dry-run",
      "  id=$(molt upgrade --workload pid:4242 --switch restart --detach)",
      "  molt upgrade --to 6.1.0-57-amd64 --livepatch /var/lib/livepatch/fix.ko \\",
      "      --on-livepatch-failure upgrade --workload pid:4242 \\",
      "      --kernel /boot/vmlinuz-6.1.0-57-amd64 --initrd /boot/initrd.img-6.1.0-57-amd64"
    })
final class UpgradeCommand extends DaemonCommand {
  /** The API's limit on request ids. */
  static final int MAX_REQUEST_ID_LENGTH = 128;

  @Mixin UpgradeSpecOptions upgrade;

  @Mixin ChangeOptions change;

  @Mixin TransitionOptionsMixin transition;

  /** What to do when the livepatch chosen by the plan is reversed. */
  enum OnLivepatchFailure {
    ASK,
    UPGRADE,
    STOP
  }

  @Option(
      names = "--on-livepatch-failure",
      paramLabel = "POLICY",
      defaultValue = "ask",
      description = {
        "With --to, when the plan chose a livepatch and its transition was reversed:"
            + " ask (default: ask on the terminal; without one, stop), upgrade (fall back to the"
            + " full upgrade at once; needs its options), stop."
      })
  OnLivepatchFailure onLivepatchFailure;

  @Option(
      names = "--in-window",
      description = "Do not start now: schedule it into the maintenance windows, as `molt schedule`"
          + " does (with its --window and --blocker-* options), print its id and return.")
  boolean inWindow;

  @Mixin ScheduleOptions schedule;

  @Option(
      names = "--dry-run",
      description = "Only plan: show the steps and run the preflight checks, change nothing."
          + " Exits 0 or 3 as `molt plan` does.")
  boolean dryRun;

  @Option(
      names = "--request-id",
      paramLabel = "ID",
      description = "Idempotency key, at most 128 characters (default: a random UUID)."
          + " Repeat a request with the same id to attach to the upgrade it started.")
  String requestId;

  @Option(
      names = "--detach",
      description = "Start the upgrade, print its id and return without following it.")
  boolean detach;

  @Option(
      names = "--reconnect-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = UpgradeFollower.DEFAULT_RECONNECT_TIMEOUT,
      description = "How long to keep reconnecting when the daemon is gone mid-upgrade"
          + " (default: ${DEFAULT-VALUE}).")
  Duration reconnectTimeout;

  @Override
  int run(DaemonConnection daemon) throws InterruptedException {
    if (dryRun && detach) {
      throw new ParameterException(
          spec.commandLine(), "--dry-run and --detach do not go together: a plan starts nothing");
    }
    if (!inWindow && schedule.anyGiven()) {
      throw new ParameterException(
          spec.commandLine(), "--window and --blocker-* apply to a scheduled upgrade: add --in-window");
    }
    if (inWindow && (dryRun || detach)) {
      throw new ParameterException(
          spec.commandLine(), "--in-window does not go with --dry-run or --detach: it starts nothing now"
              + " and returns at once");
    }
    if (change.given()) {
      if (inWindow) {
        throw new ParameterException(spec.commandLine(), "--to decides now between a livepatch and a"
            + " full upgrade: it does not go with --in-window");
      }
      var plan = daemon.upgrades().plan(change.toRequest(spec, upgrade, daemon.endpoint()));
      if (dryRun) {
        return PlanCommand.show(plan, this);
      }
      if (!json()) {
        PlanView.printDecision(plan.getChange(), err());
      }
      switch (plan.getChange().getPath()) {
        case NOTHING:
          return ExitCodes.OK;
        case LIVEPATCH:
          return livepatch(daemon, plan.getChange());
        default:
          if (!plan.getOk()) {
            return PlanCommand.show(plan, this);
          }
      }
    }
    UpgradeSpec upgradeSpec = upgrade.toSpec(spec, daemon.endpoint());
    if (inWindow) {
      var request = schedule.request(spec, ScheduleOptions.requestId(spec, requestId), upgradeSpec);
      return ScheduleOptions.schedule(this, daemon.windows(), request);
    }
    if (dryRun) {
      var plan = daemon.upgrades().plan(PlanRequest.newBuilder().setSpec(upgradeSpec).build());
      return PlanCommand.show(plan, this);
    }
    String id = requestId();
    Upgrade started = start(daemon, id, upgradeSpec);
    if (detach) {
      if (json()) {
        printJson(started);
      } else {
        out().println(started.getId());
        err().println("Upgrade " + started.getId() + " is " + started.getState()
            + "; follow it with `molt upgrades watch " + started.getId() + "`.");
      }
      return ExitCodes.OK;
    }
    if (!json()) {
      err().println("Upgrade " + started.getId() + " started (request id " + id
          + "). Ctrl-C stops following it, not the upgrade.");
    }
    return UpgradeFollower.follow(this, daemon, started.getId(), reconnectTimeout);
  }

  /**
   * Carries out a livepatch plan: applies its modules in order. A reversed one falls back to the
   * full upgrade as --on-livepatch-failure says (the daemon starts it itself for "upgrade").
   */
  private int livepatch(DaemonConnection daemon, dev.molt.api.v1.ChangeDecision decision)
      throws InterruptedException {
    UpgradeSpec fallback = null;
    if (onLivepatchFailure != OnLivepatchFailure.STOP && upgrade.describesUpgrade()) {
      fallback = upgrade.toSpec(spec, daemon.endpoint());
    } else if (onLivepatchFailure == OnLivepatchFailure.UPGRADE) {
      throw new ParameterException(spec.commandLine(), "--on-livepatch-failure upgrade needs the full"
          + " upgrade's options: --kernel and --initrd (and --workload, unless moltd.conf names them)");
    }
    for (String module : decision.getLivepatchModulesList()) {
      var request = dev.molt.api.v1.ApplyPatchRequest.newBuilder().setModulePath(module)
          .setTransition(transition.toOptions());
      if (onLivepatchFailure == OnLivepatchFailure.UPGRADE) {
        request.setOnFailure(dev.molt.api.v1.LivepatchFallback.LIVEPATCH_FALLBACK_UPGRADE).setFallbackUpgrade(fallback);
      } else {
        request.setOnFailure(dev.molt.api.v1.LivepatchFallback.LIVEPATCH_FALLBACK_NONE);
      }
      var op = PatchFollower.follow(
          daemon.livepatchesFor(transition.streamDeadline()).applyPatch(request.build()), err());
      if (json()) {
        printJson(op);
      } else {
        PatchFollower.print(op, out());
      }
      if (op.getState() == dev.molt.api.v1.PatchOperationState.PATCH_COMPLETED
          || op.getState() == dev.molt.api.v1.PatchOperationState.PATCH_FORCED) {
        continue;
      }
      if (op.getState() != dev.molt.api.v1.PatchOperationState.PATCH_REVERSED) {
        return PatchFollower.exitCode(op);
      }
      if (!op.getFallbackUpgradeId().isEmpty()) {
        err().println("The livepatch was reversed: falling back to the full upgrade "
            + op.getFallbackUpgradeId() + ".");
        return UpgradeFollower.follow(this, daemon, op.getFallbackUpgradeId(), reconnectTimeout);
      }
      if (onLivepatchFailure == OnLivepatchFailure.ASK && fallback != null && askFallBack()) {
        String id = requestId();
        Upgrade started = start(daemon, id, fallback);
        err().println("Upgrade " + started.getId() + " started (request id " + id + ").");
        return UpgradeFollower.follow(this, daemon, started.getId(), reconnectTimeout);
      }
      err().println("The livepatch was reversed; the kernel runs as before. For the full upgrade, run"
          + " this command again with --on-livepatch-failure upgrade, or without --to.");
      return ExitCodes.UPGRADE_NOT_DONE;
    }
    return ExitCodes.OK;
  }

  /** Asks on the terminal; without one (a script), the answer is no. */
  private boolean askFallBack() {
    java.io.Console console = System.console();
    if (console == null) {
      err().println("No terminal to ask whether to fall back to the full upgrade: not falling back.");
      return false;
    }
    String answer = console.readLine("The livepatch was reversed. Fall back to the full upgrade now? [y/N] ");
    return answer != null && answer.strip().toLowerCase(java.util.Locale.ROOT).startsWith("y");
  }

  private String requestId() {
    if (requestId == null) {
      return UUID.randomUUID().toString();
    }
    if (requestId.isBlank() || requestId.length() > MAX_REQUEST_ID_LENGTH) {
      throw new ParameterException(
          spec.commandLine(),
          "--request-id must be 1 to " + MAX_REQUEST_ID_LENGTH + " characters, was "
              + requestId.length());
    }
    return requestId;
  }

  /**
   * StartUpgrade. When the answer is lost (unreachable, or no answer in time) the upgrade may have
   * started all the same: the message says how to retry without starting a second one.
   */
  private Upgrade start(DaemonConnection daemon, String id, UpgradeSpec upgradeSpec) {
    try {
      return daemon
          .upgrades()
          .startUpgrade(StartUpgradeRequest.newBuilder().setRequestId(id).setSpec(upgradeSpec).build());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (UpgradeWatcher.daemonWentAway(e.getStatus()) || code == Status.Code.DEADLINE_EXCEEDED) {
        throw new CliFailure(
            ExitCodes.forStatus(code),
            Failures.describe(e.getStatus(), daemon.endpoint())
                + ". To retry without starting a second upgrade, repeat the command with"
                + " --request-id " + id,
            e);
      }
      throw e;
    }
  }
}
