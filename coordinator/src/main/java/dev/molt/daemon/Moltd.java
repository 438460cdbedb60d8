package dev.molt.daemon;

import dev.molt.upgrade.CrashPoints;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The daemon: opens the store, runs the criu-adapter in-process, resumes an unfinished upgrade
 * from the journal, and serves the operator API on a Unix socket (and over mutual TLS on TCP when
 * configured).
 *
 * <p>Start order matters after a kexec: the store and the adapter come first and the unfinished
 * upgrade is resumed before the API listens, so that restoring the workloads waits for nothing
 * else. Exit code {@link #EXIT_RESTART} asks the launcher to start the daemon again (the on-host
 * restart switch); {@link #EXIT_CONFIG} means the configuration is wrong (the message names the
 * line or flag).
 */
@Command(name = "moltd", mixinStandardHelpOptions = true,
        description = "Molt's daemon: live kernel upgrades of this host's workloads.",
        footer = {"", "Settings come from the config file (default /etc/molt/moltd.conf when it exists);"
                + " flags override it. README.md's Configuration section lists every key."})
public final class Moltd implements Callable<Integer> {
    public static final int EXIT_RESTART = 75;
    public static final int EXIT_CONFIG = 78;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", description = "The configuration file (key = value lines). Default: /etc/molt/moltd.conf if it exists.")
    Path config;

    @Option(names = "--store", description = "Snapshot store and journal directory (persistent disk). Default: /var/lib/molt/store")
    Path store;

    @Option(names = "--staging", description = "Directory for CRIU's image files in transit. Default: /var/lib/molt/staging")
    Path staging;

    @Option(names = "--socket", description = "Unix socket of the operator API. Default: /run/molt/molt.sock")
    Path socket;

    @Option(names = "--socket-mode", description = "The socket file's mode, octal. Default: 0660 (root and the operator group)")
    String socketMode;

    @Option(names = "--operator-group", description = "Unix socket callers in this group are operators (root always is). Default: molt")
    String operatorGroup;

    @Option(names = "--viewer-group", description = "Unix socket callers in this group are viewers. Default: none")
    String viewerGroup;

    @Option(names = "--listen", description = "Also serve the API on this host:port, with mutual TLS (--tls-*).")
    String listen;

    @Option(names = "--tls-cert", description = "PEM certificate (chain) of this server, for --listen.")
    Path tlsCert;

    @Option(names = "--tls-key", description = "PEM private key (PKCS#8) of --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-client-ca", description = "PEM CA certificate that signs the clients' certificates.")
    Path tlsClientCa;

    @Option(names = "--insecure-tcp", description = "Serve --listen as plaintext, every caller an operator. Test guests behind a private port only.")
    Boolean insecureTcp;

    @Option(names = "--metrics-listen", description = "Serve Prometheus metrics at http://HOST:PORT/metrics (plain HTTP, no auth; docs/metrics.md). Default: off.")
    String metricsListen;

    @Option(names = "--criu", description = "The CRIU binary. Default: MOLT_CRIU, ~/.cache/molt/bin/criu, /opt/molt/criu/bin/criu, criu.")
    Path criu;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Moltd()).execute(args));
    }

    /** The settings: the config file's, then the flags over them. */
    Settings settings() throws Settings.Invalid {
        Settings s;
        if (config != null) {
            s = Settings.read(config);
        } else if (Files.isRegularFile(DaemonConfig.DEFAULT_CONFIG)) {
            s = Settings.read(DaemonConfig.DEFAULT_CONFIG);
        } else {
            s = Settings.empty();
        }
        return s.override("store", store, "--store")
                .override("staging", staging, "--staging")
                .override("criu", criu, "--criu")
                .override("socket", socket, "--socket")
                .override("socket_mode", socketMode, "--socket-mode")
                .override("operator_group", operatorGroup, "--operator-group")
                .override("viewer_group", viewerGroup, "--viewer-group")
                .override("listen", listen, "--listen")
                .override("tls.cert", tlsCert, "--tls-cert")
                .override("tls.key", tlsKey, "--tls-key")
                .override("tls.client_ca", tlsClientCa, "--tls-client-ca")
                .override("insecure_tcp", insecureTcp, "--insecure-tcp")
                .override("metrics.listen", metricsListen, "--metrics-listen");
    }

    @Override
    public Integer call() throws Exception {
        DaemonConfig daemonConfig;
        Optional<InetSocketAddress> metrics;
        try {
            Settings settings = settings();
            daemonConfig = DaemonConfig.from(settings);
            metrics = DaemonConfig.metricsListen(settings);
        } catch (Settings.Invalid e) {
            spec.commandLine().getErr().println("moltd: " + e.getMessage());
            return EXIT_CONFIG;
        }
        Daemon daemon = Daemon.start(daemonConfig, CrashPoints.fromEnvironment());
        // After the start, which resumed any upgrade: metrics are never on the path to restore.
        metrics.ifPresent(daemon::serveMetrics);
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "moltd-shutdown"));
        return daemon.awaitTermination();
    }
}
