package dev.molt.cli;

import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.PatchOperation;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code molt patch apply FILE.ko}. */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    description = {
      "Loads a livepatch module and follows its transition to the end, showing how many tasks"
          + " still run the old code.",
      "A module built for another kernel is refused before anything is loaded. Exits 0 when the"
          + " patch is live, 1 when its transition was reversed at the timeout (the kernel runs"
          + " as before; the blockers are listed), 3 when it could not be applied."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt patch apply /var/lib/livepatch/fix.ko",
      "  molt --connect db7:7300 patch apply /root/fix.ko --grace 2s --transition-timeout 30s"
    })
final class PatchApplyCommand extends DaemonCommand {
  @Parameters(paramLabel = "FILE.ko", description = "The livepatch module, on the daemon's host.")
  Path module;

  @Mixin TransitionOptionsMixin transition;

  @Override
  int run(DaemonConnection daemon) {
    var request = ApplyPatchRequest.newBuilder()
        .setModulePath(PatchPaths.onDaemonHost(spec, module, daemon.endpoint()))
        .setTransition(transition.toOptions())
        .build();
    if (transition.force) {
      err().println("warning: --force: at the timeout the transition is forced; the module then"
          + " stays loaded until reboot.");
    }
    PatchOperation op = PatchFollower.follow(
        daemon.livepatchesFor(transition.streamDeadline()).applyPatch(request), err());
    if (json()) {
      printJson(op);
    } else {
      PatchFollower.print(op, out());
    }
    return PatchFollower.exitCode(op);
  }
}
