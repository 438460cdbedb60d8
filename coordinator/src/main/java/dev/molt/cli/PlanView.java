package dev.molt.cli;

import dev.molt.api.v1.Check;
import dev.molt.api.v1.UpgradePlan;
import java.io.PrintWriter;
import java.util.stream.Collectors;

/** An upgrade plan in the text output: its steps, then every preflight check and its verdict. */
final class PlanView {
  private PlanView() {}

  static void print(UpgradePlan plan, PrintWriter out) {
    if (plan.hasChange()) {
      printDecision(plan.getChange(), out);
      if (plan.getChange().getPath() != dev.molt.api.v1.ChangeDecision.Path.FULL_UPGRADE) {
        for (int i = 0; i < plan.getStepsCount(); i++) {
          out.printf("  %2d. %s%n", i + 1, plan.getSteps(i));
        }
        return;
      }
      out.println();
      if (plan.getStepsCount() == 0) {
        // The full upgrade was not planned (no workloads given): only why not.
        plan.getChecksList().stream().filter(check -> !check.getOk())
            .forEach(check -> out.println("Not planned: " + check.getDetail()));
        return;
      }
    }
    out.println("Steps:");
    for (int i = 0; i < plan.getStepsCount(); i++) {
      out.printf("  %2d. %s%n", i + 1, plan.getSteps(i));
    }
    out.println();
    out.println("Preflight checks:");
    var table = new TextTable("  RESULT", "CHECK", "DETAIL");
    for (Check check : plan.getChecksList()) {
      table.row("  " + (check.getOk() ? "ok" : "FAIL"), check.getName(), Formats.orDash(check.getDetail()));
    }
    if (table.isEmpty()) {
      out.println("  (the daemon ran none)");
    } else {
      table.print(out);
    }
    out.println();
    out.println(
        "Process trees to park: "
            + (plan.getRootPidsList().isEmpty()
                ? "-"
                : plan.getRootPidsList().stream().map(String::valueOf).collect(Collectors.joining(", "))));
    out.println(
        "Estimated images: " + Formats.bytes(plan.getEstimatedImageBytes()) + ", store free: "
            + Formats.bytes(plan.getStoreFreeBytes()));
    out.println();
    printVerdict(plan, out);
  }

  /** How the host gets to the release asked for, and every reason the planner weighed. */
  static void printDecision(dev.molt.api.v1.ChangeDecision decision, PrintWriter out) {
    String path = switch (decision.getPath()) {
      case LIVEPATCH -> "LIVEPATCH";
      case FULL_UPGRADE -> "FULL UPGRADE";
      case NOTHING -> "NOTHING TO DO";
      default -> decision.getPath().name();
    };
    out.println("Decision: " + path + " (" + decision.getRunningRelease() + " -> " + decision.getToRelease() + ")");
    out.println("Because:");
    for (String reason : decision.getReasonsList()) {
      out.println("  - " + reason);
    }
  }

  private static void printVerdict(UpgradePlan plan, PrintWriter out) {
    long failed = plan.getChecksList().stream().filter(check -> !check.getOk()).count();
    out.println(
        plan.getOk()
            ? "Preflight passed: the upgrade can run."
            : "Preflight FAILED (" + failed + " check(s)): nothing was changed; fix the above and"
                + " plan again.");
  }
}
