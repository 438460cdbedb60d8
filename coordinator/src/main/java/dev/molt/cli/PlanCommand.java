package dev.molt.cli;

import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.UpgradePlan;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code molt plan}: what an upgrade would do, and whether it may. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Shows what an upgrade would do and runs every preflight check (CRIU, each workload,"
          + " whether it can be dumped, store space, the kernel image) without changing anything:"
          + " nothing is parked, loaded or written.",
      "With --to RELEASE it first decides between a livepatch (a --livepatch module built for the"
          + " running kernel that carries RELEASE's fixes) and a full upgrade, and says why.",
      "Exits 0 when every check passes, 3 when one fails."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt plan --workload unit:redis-server.service \\",
      "      --kernel /boot/vmlinuz-6.1.0-56-amd64 \\",
      "      --initrd /boot/initrd.img-6.1.0-56-amd64",
      "  molt plan --workload pid:4242 --workload cgroup:molt-demo/counter --switch restart",
      "  molt plan --to 6.1.0-57-amd64 --livepatch /var/lib/livepatch/fix.ko",
      "      (livepatch or full upgrade, and why; workloads are needed only for a full upgrade)"
    })
final class PlanCommand extends DaemonCommand {
  /** The plan makes a dry-run dump to estimate the images: longer than a plain call. */
  static final Duration PLAN_TIMEOUT = Duration.ofMinutes(2);

  @Mixin UpgradeSpecOptions upgrade;

  @Mixin ChangeOptions change;

  @Override
  Duration defaultTimeout() {
    return PLAN_TIMEOUT;
  }

  @Override
  int run(DaemonConnection daemon) {
    var request = change.toRequest(spec, upgrade, daemon.endpoint());
    return show(daemon.upgrades().plan(request), this);
  }

  /** Prints the plan as text or JSON; the exit code says whether preflight passed. */
  static int show(UpgradePlan plan, DaemonCommand command) {
    if (command.json()) {
      command.printJson(plan);
    } else {
      PlanView.print(plan, command.out());
    }
    return plan.getOk() ? ExitCodes.OK : ExitCodes.PRECONDITION;
  }
}
