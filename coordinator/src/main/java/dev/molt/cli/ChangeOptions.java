package dev.molt.cli;

import dev.molt.api.v1.PlanRequest;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --to RELEASE [--livepatch FILE.ko]...}: the planner's inputs, for plan and upgrade. */
final class ChangeOptions {
  @Option(
      names = "--to",
      paramLabel = "RELEASE",
      description = "The kernel release the host should end up equivalent to (e.g. 6.1.0-57-amd64):"
          + " Molt chooses a livepatch or a full upgrade and says why.")
  String to;

  @Option(
      names = "--livepatch",
      paramLabel = "FILE.ko",
      description = "A livepatch module (on the daemon's host) that may carry the fix; repeat for"
          + " several. Taken when built for the running kernel and its modinfo molt_equivalent is"
          + " the --to release.")
  List<Path> livepatches = List.of();

  boolean given() {
    return to != null;
  }

  List<String> modules(CommandSpec command, Endpoint endpoint) {
    return livepatches.stream().map(p -> PatchPaths.onDaemonHost(command, p, endpoint)).toList();
  }

  /** The Plan request: the planner's inputs and, when workloads are given, the full upgrade's spec. */
  PlanRequest toRequest(CommandSpec command, UpgradeSpecOptions upgrade, Endpoint endpoint) {
    if (!given()) {
      if (!livepatches.isEmpty()) {
        throw new ParameterException(command.commandLine(), "--livepatch needs --to RELEASE: the release"
            + " whose fixes the module should bring");
      }
      return PlanRequest.newBuilder().setSpec(upgrade.toSpec(command, endpoint)).build();
    }
    var request = PlanRequest.newBuilder().setToRelease(to).addAllLivepatchModules(modules(command, endpoint));
    if (upgrade.describesUpgrade()) {
      request.setSpec(upgrade.toSpec(command, endpoint));
    }
    return request.build();
  }
}
