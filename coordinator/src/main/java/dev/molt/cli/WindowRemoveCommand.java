package dev.molt.cli;

import dev.molt.api.v1.RemoveWindowRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code molt window rm NAME}. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Removes a maintenance window. Refused (exit 3) while a waiting scheduled upgrade names it."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt window rm nightly"})
final class WindowRemoveCommand extends DaemonCommand {
  @Parameters(paramLabel = "NAME", description = "The window's name.")
  String name;

  @Override
  int run(DaemonConnection daemon) {
    daemon.windows().removeWindow(RemoveWindowRequest.newBuilder().setName(name).build());
    if (!json()) {
      out().println("Window " + name + " removed.");
    } else {
      out().println("{}");
    }
    return ExitCodes.OK;
  }
}
