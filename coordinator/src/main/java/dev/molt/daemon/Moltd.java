package dev.molt.daemon;

import dev.molt.upgrade.CrashPoints;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The daemon: opens the store, runs the criu-adapter in-process, resumes an unfinished upgrade
 * from the journal, and serves the operator API on a Unix socket.
 *
 * <p>Start order matters after a kexec: the store and the adapter come first and the unfinished
 * upgrade is resumed before the API listens, so that restoring the workloads waits for nothing
 * else. Exit code {@link #EXIT_RESTART} asks the launcher to start the daemon again (the on-host
 * restart switch).
 */
@Command(name = "moltd", mixinStandardHelpOptions = true,
        description = "Molt's daemon: live kernel upgrades of this host's workloads.")
public final class Moltd implements Callable<Integer> {
    private static final Logger LOG = Logger.getLogger(Moltd.class.getName());
    public static final int EXIT_RESTART = 75;

    @Option(names = "--store", description = "Snapshot store and journal directory (persistent disk). Default: ${DEFAULT-VALUE}")
    Path store = DaemonConfig.DEFAULT_STORE;

    @Option(names = "--staging", description = "Directory for CRIU's image files in transit. Default: ${DEFAULT-VALUE}")
    Path staging = DaemonConfig.DEFAULT_STAGING;

    @Option(names = "--socket", description = "Unix socket of the operator API. Default: ${DEFAULT-VALUE}")
    Path socket = DaemonConfig.DEFAULT_SOCKET;

    @Option(names = "--listen", description = "Also serve the API on this host:port (plaintext).")
    String listen = "";

    @Option(names = "--criu", description = "The CRIU binary. Default: MOLT_CRIU, ~/.cache/molt/bin/criu, /opt/molt/criu/bin/criu, criu.")
    Path criu;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Moltd()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        DaemonConfig config = new DaemonConfig(store, staging, socket, listen, criu == null ? DaemonConfig.defaultCriu() : criu);
        Daemon daemon = Daemon.start(config, CrashPoints.fromEnvironment());
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "moltd-shutdown"));
        return daemon.awaitTermination();
    }
}
