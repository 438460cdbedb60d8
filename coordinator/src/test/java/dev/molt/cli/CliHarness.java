package dev.molt.cli;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs the CLI against the fake services in an in-process gRPC server, as a test's
 * {@code @RegisterExtension} field: {@link #run} executes one command line and returns what it
 * printed and its exit code. The server can be stopped and started again under the same name, as a
 * restarting daemon would be.
 */
final class CliHarness implements AfterEachCallback {
  /**
   * Reconnect delays in tests: short, because while the server is down the CLI's wait for it is
   * real (a wait-for-ready call); FakeTimeSource then counts the whole delay.
   */
  static final Backoff BACKOFF = new Backoff(Duration.ofMillis(20), Duration.ofMillis(100), 2);

  final FakeHostService host = new FakeHostService();
  final FakeUpgradesService upgrades = new FakeUpgradesService();
  final FakeSnapshotsService snapshots = new FakeSnapshotsService();
  final FakeLivepatchesService livepatches = new FakeLivepatchesService();
  final FakeWindowsService windows = new FakeWindowsService();
  final FakeTimeSource time = new FakeTimeSource();
  final Map<String, String> env = new HashMap<>();
  /** Where the CLI asked to connect, one entry per channel it opened. */
  final List<Endpoint> endpoints = new CopyOnWriteArrayList<>();

  volatile boolean errIsTerminal;

  private final String serverName = "molt-cli-test-" + UUID.randomUUID();
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
  private volatile Server server;
  private volatile Thread stopping;

  CliHarness() {
    startServer();
  }

  /** Runs {@code molt args...} to its end. */
  CliRun run(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var context =
        new CliContext(this::open, env, time, BACKOFF, () -> errIsTerminal);
    var commandLine = MoltCli.commandLine(new MoltCli(context));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  /** Starts the daemon's stand-in, after any stop under way has finished. */
  void startServer() {
    awaitStopped();
    try {
      server =
          InProcessServerBuilder.forName(serverName)
              .directExecutor()
              .addService(host)
              .addService(upgrades)
              .addService(snapshots)
              .addService(livepatches)
              .addService(windows)
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start in-process server " + serverName, e);
    }
  }

  /**
   * Kills the server from another thread, as a daemon dying under its clients: open streams end
   * with UNAVAILABLE. Safe to call from inside a service method.
   */
  void crashServer() {
    Server dying = server;
    Thread thread = new Thread(() -> stop(dying), "crash-" + serverName);
    stopping = thread;
    thread.start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    awaitStopped();
    stop(server);
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
  }

  private ManagedChannel open(Endpoint endpoint) {
    endpoints.add(endpoint);
    ManagedChannel channel = InProcessChannelBuilder.forName(serverName).directExecutor().build();
    channels.add(channel);
    return channel;
  }

  private void awaitStopped() {
    Thread thread = stopping;
    if (thread != null) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the server to stop", e);
      }
      stopping = null;
    }
  }

  private static void stop(Server server) {
    server.shutdownNow();
    try {
      if (!server.awaitTermination(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("in-process server did not stop in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
