package dev.molt.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/**
 * {@code molt}, the operator's command line: a gRPC client of the daemon {@code moltd}. Every
 * subcommand is a class of its own; this one holds the options they share (where the daemon is,
 * the deadline, the output format).
 */
@Command(
    name = "molt",
    mixinStandardHelpOptions = true,
    versionProvider = MoltVersion.class,
    usageHelpAutoWidth = true,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Moves running workloads onto a new kernel without stopping them for long: parks them,"
          + " checkpoints them with CRIU, switches kernels (kexec), restores them.",
      "",
      "Talks to the daemon moltd over its Unix socket (default /run/molt/molt.sock),"
          + " or over TCP with --connect."
    },
    subcommands = {
      CheckCommand.class,
      StatusCommand.class,
      PlanCommand.class,
      UpgradeCommand.class,
      UpgradesCommand.class,
      ScheduleCommand.class,
      SchedulesCommand.class,
      WindowCommand.class,
      SnapshotCommand.class,
      PatchCommand.class,
      AuditCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt check",
      "  molt plan --workload unit:redis-server.service \\",
      "      --kernel /boot/vmlinuz-6.1.0-56-amd64 \\",
      "      --initrd /boot/initrd.img-6.1.0-56-amd64",
      "  molt upgrade --workload cgroup:molt-demo/counter --switch restart",
      "  molt plan --to 6.1.0-57-amd64 --livepatch /var/lib/livepatch/fix.ko",
      "  molt patch apply /var/lib/livepatch/fix.ko",
      "  molt window add --name nightly --days mon-fri --start 02:00 --length 2h --zone Europe/Berlin",
      "  molt upgrade --workload cgroup:molt-demo/counter --switch restart --in-window",
      "  molt --connect db7.example.net:7468 status --output json",
      "",
      "Environment:",
      "  MOLT_SOCKET  the daemon's Unix socket, when --socket is not given",
      "  MOLT_TLS_CA, MOLT_TLS_CERT, MOLT_TLS_KEY  mutual TLS files for --connect"
    })
public final class MoltCli {
  private final CliContext context;

  @Option(
      names = "--socket",
      paramLabel = "PATH",
      scope = ScopeType.INHERIT,
      description = "The daemon's Unix socket (default: $MOLT_SOCKET, else /run/molt/molt.sock).")
  private Path socket;

  @Option(
      names = "--connect",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      description = "Reach the daemon over TCP instead, with mutual TLS (--tls-ca, --tls-cert, --tls-key).")
  private String connect;

  @Option(
      names = "--tls-ca",
      paramLabel = "PEM",
      scope = ScopeType.INHERIT,
      description = "CA certificate that signed moltd's TLS certificate (default: $MOLT_TLS_CA).")
  private Path tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "PEM",
      scope = ScopeType.INHERIT,
      description = "This client's certificate; its OU is the role (default: $MOLT_TLS_CERT).")
  private Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "PEM",
      scope = ScopeType.INHERIT,
      description = "This client's private key, PKCS#8 (default: $MOLT_TLS_KEY).")
  private Path tlsKey;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      scope = ScopeType.INHERIT,
      description = {
        "Deadline of each call to the daemon, as 500ms, 30s, 10m (default: 30s;"
            + " 2m for plan; 10m for snapshot create, verify and restore)."
            + " Watching an upgrade has none: see --reconnect-timeout."
      })
  private Duration timeout;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      scope = ScopeType.INHERIT,
      description = "text (for people, the default) or json (for scripts: the API's messages).")
  private OutputFormat output = OutputFormat.TEXT;

  private Endpoint connectedTo;

  /** The CLI as run from a shell: Netty channels, the real environment and clock. */
  public MoltCli() {
    this(CliContext.system());
  }

  /** The CLI with its surroundings given, for tests (an in-process channel, a fake clock). */
  public MoltCli(CliContext context) {
    this.context = context;
  }

  public static void main(String[] args) {
    quietLibraryLogs();
    System.exit(commandLine(new MoltCli()).execute(args));
  }

  /**
   * Keeps gRPC's and Netty's java.util.logging warnings off the user's terminal (one on every Unix
   * socket connection: SO_KEEPALIVE does not apply there). Failures reach the user as statuses,
   * shown by {@link Failures}. The field holds the loggers: java.util.logging keeps them weakly.
   */
  private static void quietLibraryLogs() {
    for (Logger logger : LIBRARY_LOGGERS) {
      logger.setLevel(Level.SEVERE);
    }
  }

  private static final List<Logger> LIBRARY_LOGGERS =
      List.of(Logger.getLogger("io.netty"), Logger.getLogger("io.grpc"));

  /**
   * The command line for {@code cli}, set up as {@code main} runs it: the exception mapper and
   * handler that turn failures into exit codes and {@code molt: } messages, case-insensitive enum
   * values, and the exit-code table in every command's help.
   */
  public static CommandLine commandLine(MoltCli cli) {
    var failures = new Failures();
    var commandLine =
        new CommandLine(cli)
            .setCaseInsensitiveEnumValuesAllowed(true)
            .setParameterExceptionHandler(failures)
            .setExecutionExceptionHandler(failures)
            .setExitCodeExceptionMapper(failures);
    addExitCodeTable(commandLine);
    return commandLine;
  }

  private static void addExitCodeTable(CommandLine commandLine) {
    commandLine
        .getCommandSpec()
        .usageMessage()
        .exitCodeListHeading("%nExit codes:%n")
        .exitCodeList(ExitCodes.table());
    commandLine.getSubcommands().values().forEach(MoltCli::addExitCodeTable);
  }

  CliContext context() {
    return context;
  }

  OutputFormat output() {
    return output;
  }

  /**
   * Opens a connection to the daemon, whose unary calls have the deadline of {@code --timeout} or
   * else {@code defaultTimeout}.
   */
  DaemonConnection connect(CommandSpec caller, Duration defaultTimeout) {
    Endpoint endpoint = endpoint(caller);
    connectedTo = endpoint;
    Duration deadline = timeout != null ? timeout : defaultTimeout;
    return new DaemonConnection(endpoint, context.channels().open(endpoint), deadline);
  }

  /** The endpoint of the last connection, for messages about it; null before any. */
  Endpoint connectedTo() {
    return connectedTo;
  }

  /**
   * The client side of mutual TLS from the flags or MOLT_TLS_*; null when none is given (plaintext,
   * which only a daemon started with --insecure-tcp accepts).
   */
  private Endpoint.ClientTls clientTls(CommandSpec caller) {
    Path ca = tlsCa != null ? tlsCa : envPath("MOLT_TLS_CA");
    Path cert = tlsCert != null ? tlsCert : envPath("MOLT_TLS_CERT");
    Path key = tlsKey != null ? tlsKey : envPath("MOLT_TLS_KEY");
    if (ca == null && cert == null && key == null) {
      return null;
    }
    if (ca == null || cert == null || key == null) {
      throw new ParameterException(
          caller.commandLine(),
          "mutual TLS needs --tls-ca, --tls-cert and --tls-key (or MOLT_TLS_CA, MOLT_TLS_CERT,"
              + " MOLT_TLS_KEY); missing: "
              + (ca == null ? "--tls-ca " : "")
              + (cert == null ? "--tls-cert " : "")
              + (key == null ? "--tls-key" : "").strip());
    }
    return new Endpoint.ClientTls(ca, cert, key);
  }

  private Path envPath(String name) {
    String value = context.env().get(name);
    return value == null || value.isBlank() ? null : Path.of(value);
  }

  private Endpoint endpoint(CommandSpec caller) {
    if (connect != null && socket != null) {
      throw new ParameterException(
          caller.commandLine(),
          "--socket " + socket + " and --connect " + connect
              + " both say where the daemon is: give one");
    }
    if (connect != null) {
      try {
        return Endpoint.Tcp.parse(connect).withTls(clientTls(caller));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            caller.commandLine(), "Invalid value for option '--connect': " + e.getMessage());
      }
    }
    if (socket != null) {
      return new Endpoint.UnixSocket(socket);
    }
    String fromEnv = context.env().get("MOLT_SOCKET");
    return new Endpoint.UnixSocket(
        fromEnv == null || fromEnv.isBlank() ? Endpoint.DEFAULT_SOCKET : Path.of(fromEnv));
  }
}
