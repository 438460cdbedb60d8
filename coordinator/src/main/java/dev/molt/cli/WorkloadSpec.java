package dev.molt.cli;

import dev.molt.api.v1.Workload;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --workload} forms: {@code cgroup:PATH}, {@code unit:NAME.service} (or .scope, .slice)
 * and {@code pid:N}. Converts one to the API's {@link Workload}, and back for display.
 */
public final class WorkloadSpec implements ITypeConverter<Workload> {
  /** The forms, as the usage help and error messages name them. */
  public static final String FORMS = "cgroup:PATH, unit:NAME.service or pid:N";

  @Override
  public Workload convert(String value) {
    return parse(value);
  }

  /**
   * Parses one workload spec.
   *
   * @throws TypeConversionException naming the value and the forms it may take
   */
  public static Workload parse(String value) {
    int colon = value.indexOf(':');
    if (colon < 0) {
      throw invalid(value, "it has no kind: write " + FORMS);
    }
    String kind = value.substring(0, colon);
    String rest = value.substring(colon + 1);
    if (rest.isEmpty()) {
      throw invalid(value, "nothing follows '" + kind + ":'");
    }
    return switch (kind) {
      case "cgroup" -> Workload.newBuilder().setCgroup(rest).build();
      case "unit" -> Workload.newBuilder().setSystemdUnit(unit(value, rest)).build();
      case "pid" -> Workload.newBuilder().setPid(pid(value, rest)).build();
      default -> throw invalid(value, "'" + kind + "' is not a kind of workload: write " + FORMS);
    };
  }

  /** The spec form of a workload, as the user would have written it. */
  public static String format(Workload workload) {
    return switch (workload.getSelectorCase()) {
      case CGROUP -> "cgroup:" + workload.getCgroup();
      case SYSTEMD_UNIT -> "unit:" + workload.getSystemdUnit();
      case PID -> "pid:" + workload.getPid();
      case SELECTOR_NOT_SET -> "(no selector)";
    };
  }

  private static String unit(String value, String unit) {
    // Only these unit types have a control group of their own to protect.
    if (!(unit.endsWith(".service") || unit.endsWith(".scope") || unit.endsWith(".slice"))
        || unit.startsWith(".")) {
      throw invalid(value, "a unit is NAME.service, NAME.scope or NAME.slice");
    }
    return unit;
  }

  private static int pid(String value, String digits) {
    int pid;
    try {
      pid = Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw invalid(value, "'" + digits + "' is not a process id");
    }
    if (pid < 1) {
      throw invalid(value, "a process id is a positive number");
    }
    return pid;
  }

  private static TypeConversionException invalid(String value, String why) {
    return new TypeConversionException("'" + value + "' is not a workload: " + why);
  }
}
