package dev.molt.cli;

import dev.molt.api.v1.PatchOperation;
import dev.molt.api.v1.PatchProgress;
import java.io.PrintWriter;
import java.util.Iterator;

/**
 * Shows a livepatch operation's progress stream on stderr (one line per change of phase, and the
 * tasks remaining at most once a second) and returns the operation it ended with.
 */
final class PatchFollower {
  private PatchFollower() {}

  static PatchOperation follow(Iterator<PatchProgress> stream, PrintWriter err) {
    PatchOperation ended = null;
    String lastPhase = "";
    int lastRemaining = -1;
    long lastShown = 0;
    while (stream.hasNext()) {
      PatchProgress p = stream.next();
      switch (p.getPhase()) {
        case PHASE_ENDED -> ended = p.getOperation();
        case PHASE_PATCHING, PHASE_UNPATCHING -> {
          String phase = p.getPhase() == dev.molt.api.v1.PatchPhase.PHASE_PATCHING ? "patching" : "unpatching";
          boolean changed = !phase.equals(lastPhase) || p.getTasksRemaining() != lastRemaining;
          if (changed && (p.getElapsedMillis() - lastShown >= 1000 || !phase.equals(lastPhase)
              || p.getTasksRemaining() == 0)) {
            err.printf("%s %s: %d task%s remaining (%.1f s)%n", phase, p.getPatch(), p.getTasksRemaining(),
                p.getTasksRemaining() == 1 ? "" : "s", p.getElapsedMillis() / 1000.0);
            lastShown = p.getElapsedMillis();
            lastRemaining = p.getTasksRemaining();
          }
          lastPhase = phase;
        }
        default -> err.println(p.getPatch() + ": " + p.getMessage());
      }
      err.flush();
    }
    if (ended == null) {
      throw new CliFailure(ExitCodes.UNAVAILABLE,
          "the daemon's answer ended before the operation did: `molt patch history` shows how it ended",
          null);
    }
    return ended;
  }

  /** The operation's outcome for people. */
  static void print(PatchOperation op, PrintWriter out) {
    out.println(op.getState().name().replaceFirst("^PATCH_", "") + ": " + op.getMessage());
    for (var s : op.getBlockersList()) {
      out.println("  blocked by pid " + s.getPid() + " '" + s.getComm() + "' state " + s.getState()
          + (s.getKthread() ? " (kernel thread)" : ""));
      s.getStack().lines().forEach(line -> out.println("      " + line));
    }
    for (String w : op.getWarningsList()) {
      out.println("  warning: " + w);
    }
    if (!op.getFallbackUpgradeId().isEmpty()) {
      out.println("  fallback: full upgrade " + op.getFallbackUpgradeId());
    }
  }

  /** The exit code for how an operation ended. */
  static int exitCode(PatchOperation op) {
    return switch (op.getState()) {
      case PATCH_COMPLETED, PATCH_FORCED -> ExitCodes.OK;
      case PATCH_REVERSED -> ExitCodes.UPGRADE_NOT_DONE;
      case PATCH_REVERSAL_STUCK -> ExitCodes.UPGRADE_FAILED;
      default -> ExitCodes.PRECONDITION;
    };
  }
}
