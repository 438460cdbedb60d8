package dev.molt.cli;

import dev.molt.api.v1.PatchOperation;
import dev.molt.api.v1.RevertPatchRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code molt patch revert NAME}. */
@Command(
    name = "revert",
    mixinStandardHelpOptions = true,
    description = {
      "Disables a livepatch, follows the tasks back to the original code and unloads its module.",
      "Exits 0 when it is gone, 1 when the unpatching was reversed at the timeout (the patch"
          + " stays live; the blockers are listed), 4 when no patch has that name."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt patch revert molt_lp_cmdline_a"})
final class PatchRevertCommand extends DaemonCommand {
  @Parameters(paramLabel = "NAME", description = "The patch's name, as `molt patch list` shows it.")
  String name;

  @Mixin TransitionOptionsMixin transition;

  @Override
  int run(DaemonConnection daemon) {
    var request = RevertPatchRequest.newBuilder().setName(name).setTransition(transition.toOptions()).build();
    PatchOperation op = PatchFollower.follow(
        daemon.livepatchesFor(transition.streamDeadline()).revertPatch(request), err());
    if (json()) {
      printJson(op);
    } else {
      PatchFollower.print(op, out());
    }
    return PatchFollower.exitCode(op);
  }
}
