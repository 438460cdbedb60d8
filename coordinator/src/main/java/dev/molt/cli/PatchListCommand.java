package dev.molt.cli;

import dev.molt.api.v1.ListPatchesRequest;
import dev.molt.api.v1.ListPatchesResponse;
import dev.molt.api.v1.LivepatchInfo;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code molt patch list}. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists the loaded livepatches: name, enabled, in transition, whether it replaced"
        + " the others (atomic replace), and the objects (vmlinux, modules) it patches.",
    footerHeading = "%nExamples:%n",
    footer = {"  molt patch list", "  molt patch list -o json"})
final class PatchListCommand extends DaemonCommand {
  @Override
  int run(DaemonConnection daemon) {
    ListPatchesResponse list = daemon.livepatches().listPatches(ListPatchesRequest.getDefaultInstance());
    if (json()) {
      printJson(list);
      return ExitCodes.OK;
    }
    if (!list.getSupported()) {
      out().println("kernel " + list.getRunningRelease() + " has no livepatch support");
      return ExitCodes.OK;
    }
    if (list.getPatchesCount() == 0) {
      out().println("no livepatch loaded (kernel " + list.getRunningRelease() + ")");
      return ExitCodes.OK;
    }
    var table = new TextTable("NAME", "ENABLED", "TRANSITION", "REPLACE", "OBJECTS");
    for (LivepatchInfo p : list.getPatchesList()) {
      table.row(p.getName(), p.getEnabled() ? "yes" : "no", p.getTransition() ? "yes" : "no", p.getReplace(),
          p.getObjectsList().stream()
              .map(o -> o.getName() + (o.getPatched() ? "" : " (not loaded)") + ": "
                  + o.getFunctionsList().stream().map(f -> f.replaceFirst(",\\d+$", "")).collect(Collectors.joining(",")))
              .collect(Collectors.joining("; ")));
    }
    table.print(out());
    return ExitCodes.OK;
  }
}
