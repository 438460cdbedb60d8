package dev.molt.cli;

import dev.molt.api.v1.UpgradeState;
import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exit codes of {@code molt}, one per outcome a script may act on differently. They are part of
 * the CLI's interface: never renumber one, only add.
 */
public final class ExitCodes {
  /** The command did what was asked; an upgrade ended DONE. */
  public static final int OK = 0;

  /** An upgrade ended ABORTED or ROLLED_BACK: the workloads run on, on the old kernel. */
  public static final int UPGRADE_NOT_DONE = 1;

  /** Bad command line, or the daemon rejected an argument (INVALID_ARGUMENT). */
  public static final int USAGE = 2;

  /** Preflight failed, or the request does not apply in the current state (FAILED_PRECONDITION). */
  public static final int PRECONDITION = 3;

  /** The upgrade, snapshot, pid, cgroup, window or scheduled upgrade does not exist (NOT_FOUND). */
  public static final int NOT_FOUND = 4;

  /** An upgrade ended FAILED: the workloads are not running, the snapshot is kept; act now. */
  public static final int UPGRADE_FAILED = 5;

  /**
   * The daemon cannot be reached, dropped the call (UNAVAILABLE, CANCELLED), or stayed unreachable
   * past --reconnect-timeout.
   */
  public static final int UNAVAILABLE = 6;

  /** Another upgrade is running on this host (ALREADY_EXISTS). */
  public static final int CONFLICT = 7;

  /** A snapshot failed verification (DATA_LOSS, or `snapshot verify` found problems). */
  public static final int DATA_LOSS = 8;

  /** Not enough space in the snapshot store (RESOURCE_EXHAUSTED). */
  public static final int NO_SPACE = 9;

  /** A bug in Molt or an unexpected answer (INTERNAL, UNKNOWN, anything unmapped). */
  public static final int INTERNAL = 10;

  /**
   * The daemon did not answer within --timeout (DEADLINE_EXCEEDED). Unlike UNAVAILABLE the request
   * may have taken effect: look before retrying.
   */
  public static final int TIMEOUT = 11;

  /** The daemon refused the caller (PERMISSION_DENIED, UNAUTHENTICATED). */
  public static final int DENIED = 12;

  private ExitCodes() {}

  /** The table shown in every command's usage help, code to meaning. */
  public static Map<String, String> table() {
    var table = new LinkedHashMap<String, String>();
    table.put(key(OK), "Done; an upgrade ended DONE.");
    table.put(key(UPGRADE_NOT_DONE), "Upgrade ABORTED or ROLLED_BACK: workloads run on the old kernel.");
    table.put(key(USAGE), "Bad command line, or the daemon rejected an argument.");
    table.put(key(PRECONDITION), "Preflight failed, or the request does not apply now.");
    table.put(key(NOT_FOUND), "No such upgrade, snapshot, pid, cgroup, window or schedule.");
    table.put(key(UPGRADE_FAILED), "Upgrade FAILED: workloads are down, snapshot kept. Act now.");
    table.put(key(UNAVAILABLE), "Daemon unreachable (also: gave up reconnecting).");
    table.put(key(CONFLICT), "Another upgrade is already running on this host.");
    table.put(key(DATA_LOSS), "A snapshot failed verification.");
    table.put(key(NO_SPACE), "Not enough space in the snapshot store.");
    table.put(key(INTERNAL), "Internal error (a bug in Molt).");
    table.put(key(TIMEOUT), "No answer within --timeout; the request may have taken effect.");
    table.put(key(DENIED), "The daemon refused this caller.");
    return table;
  }

  /** The exit code for a gRPC status returned by the daemon. */
  public static int forStatus(Status.Code code) {
    return switch (code) {
      case OK -> OK;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> USAGE;
      case FAILED_PRECONDITION -> PRECONDITION;
      case NOT_FOUND -> NOT_FOUND;
      // CANCELLED: the CLI cancels no call it waits for, so the daemon dropped it (shutting down).
      case UNAVAILABLE, CANCELLED -> UNAVAILABLE;
      case ALREADY_EXISTS, ABORTED -> CONFLICT;
      case DATA_LOSS -> DATA_LOSS;
      case RESOURCE_EXHAUSTED -> NO_SPACE;
      case DEADLINE_EXCEEDED -> TIMEOUT;
      case PERMISSION_DENIED, UNAUTHENTICATED -> DENIED;
      case INTERNAL, UNKNOWN, UNIMPLEMENTED -> INTERNAL;
    };
  }

  /**
   * The exit code for the state an upgrade ended in.
   *
   * @throws IllegalArgumentException if the state is not final
   */
  public static int forFinalState(UpgradeState state) {
    return switch (state) {
      case DONE -> OK;
      case ABORTED, ROLLED_BACK -> UPGRADE_NOT_DONE;
      case FAILED -> UPGRADE_FAILED;
      default -> throw new IllegalArgumentException(state + " is not a final upgrade state");
    };
  }

  // picocli right-aligns keys in the table; padding keeps one- and two-digit codes in one column.
  private static String key(int code) {
    return String.format("%2d", code);
  }
}
