package dev.molt.cli;

import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.TargetKernel;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options that describe an upgrade, shared by {@code plan} and {@code upgrade}. */
final class UpgradeSpecOptions {
  /** The values of {@code --switch}. */
  enum Switch {
    KEXEC(SwitchMethod.SWITCH_METHOD_KEXEC),
    RESTART(SwitchMethod.SWITCH_METHOD_RESTART);

    final SwitchMethod method;

    Switch(SwitchMethod method) {
      this.method = method;
    }
  }

  @Option(
      names = {"-w", "--workload"},
      paramLabel = "SPEC",
      converter = WorkloadSpec.class,
      description = {
        "What to protect; repeat for several: cgroup:PATH (a cgroup v2 directory, relative to the"
            + " cgroup2 mount), unit:NAME.service (a systemd unit's cgroup), pid:N (a process tree).",
        "Default: the workloads moltd's configuration protects (workload.NAME in moltd.conf)."
      })
  List<Workload> workloads;

  @Option(
      names = "--switch",
      paramLabel = "METHOD",
      defaultValue = "kexec",
      description = {
        "kexec (default): boot the new kernel with kexec.",
        "restart: for machines that cannot kexec; restart the daemon instead, the kernel stays."
      })
  Switch switchMethod;

  @Option(
      names = "--kernel",
      paramLabel = "PATH",
      description = "The new kernel image (bzImage), on the daemon's host. Needed by kexec.")
  Path kernel;

  @Option(
      names = "--initrd",
      paramLabel = "PATH",
      description = "The new kernel's initramfs, on the daemon's host. Needed by kexec.")
  Path initrd;

  @Option(
      names = "--cmdline",
      paramLabel = "STR",
      description = "The new kernel's command line (default: the running one's, /proc/cmdline).")
  String cmdline;

  @Option(
      names = "--tcp",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = {
        "Checkpoint established TCP connections; peers see a pause, not a reset (default: on).",
        "With --no-tcp, a workload holding one fails preflight."
      })
  boolean tcp;

  /**
   * The API's spec from the options, after checking the combinations the daemon would refuse.
   *
   * @param command the command, whose usage is shown with an error
   * @param endpoint where the daemon is: paths are made absolute only for a daemon on this host
   * @throws ParameterException naming the options that do not fit together
   */
  UpgradeSpec toSpec(CommandSpec command, Endpoint endpoint) {
    // Without --workload the daemon protects the workloads its configuration names
    // (workload.NAME in moltd.conf), or refuses naming both ways to give them.
    var spec =
        UpgradeSpec.newBuilder()
            .addAllWorkloads(workloads == null ? List.of() : workloads)
            .setSwitchMethod(switchMethod.method)
            .setTcpEstablished(tcp);
    if (switchMethod == Switch.KEXEC) {
      if (kernel == null || initrd == null) {
        throw new ParameterException(
            command.commandLine(),
            "--switch kexec needs --kernel and --initrd: the new kernel's image and initramfs"
                + " (or --switch restart on a machine that cannot kexec)");
      }
      var target =
          TargetKernel.newBuilder()
              .setKernelPath(onDaemonHost(command, "--kernel", kernel, endpoint))
              .setInitrdPath(onDaemonHost(command, "--initrd", initrd, endpoint));
      if (cmdline != null) {
        target.setCmdline(cmdline);
      }
      spec.setTarget(target);
    } else {
      Stream.of(option("--kernel", kernel), option("--initrd", initrd), option("--cmdline", cmdline))
          .filter(Objects::nonNull)
          .findFirst()
          .ifPresent(
              given -> {
                throw new ParameterException(
                    command.commandLine(),
                    given + " does not fit --switch restart, which keeps the running kernel:"
                        + " drop it");
              });
    }
    return spec.build();
  }

  /** Whether the options describe a full upgrade: workloads, or a kernel to go to. */
  boolean describesUpgrade() {
    return hasWorkloads() || kernel != null;
  }

  boolean hasWorkloads() {
    return workloads != null && !workloads.isEmpty();
  }

  private static String option(String name, Object value) {
    return value == null ? null : name + " " + value;
  }

  /**
   * The daemon opens the path itself: a relative one is made absolute here when the daemon shares
   * this host, and refused when it does not (this working directory means nothing there).
   */
  private static String onDaemonHost(CommandSpec command, String option, Path path, Endpoint endpoint) {
    if (path.isAbsolute()) {
      return path.toString();
    }
    if (endpoint instanceof Endpoint.UnixSocket) {
      return path.toAbsolutePath().normalize().toString();
    }
    throw new ParameterException(
        command.commandLine(),
        option + " " + path + " is relative: with --connect, give the absolute path on the"
            + " daemon's host");
  }
}
