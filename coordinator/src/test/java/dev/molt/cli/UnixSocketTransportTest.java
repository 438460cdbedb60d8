package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.UpgradeState;
import dev.molt.api.v1.WatchUpgradeRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's real transport: grpc-netty over a Unix socket (epoll), against a grpc-netty server on a
 * socket in a temporary directory hosting the fake services.
 */
class UnixSocketTransportTest {
  @TempDir Path dir;

  final FakeHostService host = new FakeHostService();
  final FakeUpgradesService upgrades = new FakeUpgradesService();
  final FakeSnapshotsService snapshots = new FakeSnapshotsService();
  final FakeTimeSource time = new FakeTimeSource();
  EventLoopGroup loop;
  Path socket;
  volatile Server server;

  @BeforeEach
  void startServer() {
    loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    socket = dir.resolve("molt.sock");
    server = serve();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    stop(server);
    loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
  }

  @Test
  void checkOverTheSocket() {
    host.status = Samples.host();

    CliRun run = molt("--socket", socket.toString(), "check");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("6.18.0-1-amd64").contains("Ready for an upgrade.");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void moltSocketFromTheEnvironmentIsUsed() {
    host.status = Samples.host();

    CliRun run = molt(Map.of("MOLT_SOCKET", socket.toString()), "status");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(host.calls).isEqualTo(1);
  }

  @Test
  void aMissingSocketExitsSixSayingSo() {
    CliRun run = molt("--socket", dir.resolve("absent.sock").toString(), "check");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err())
        .startsWith("molt: cannot reach moltd at unix:" + dir.resolve("absent.sock"))
        .contains("the socket does not exist");
  }

  @Test
  void anUpgradeSurvivesTheDaemonRestartingOnItsSocket() {
    String id = Samples.UPGRADE_ID;
    upgrades.started = Samples.upgrade(id, UpgradeState.PLANNED);
    upgrades.events = Samples.events(id, UpgradeState.DONE);
    // The daemon dies after sending event 7 (SWITCHING), as the restart switch makes it, and is
    // listening again on the same path by the CLI's second wait.
    upgrades.stallOnceAfter(7, stream -> new Thread(() -> stop(server)).start());
    time.onSleep(sleep -> {
      if (sleep == 2) {
        awaitStopped();
        server = serve();
      }
    });

    CliRun run =
        molt("--socket", socket.toString(), "upgrade", "-w", "cgroup:molt-demo/counter",
            "--switch", "restart");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).containsPattern("total stop +4,410 ms");
    assertThat(upgrades.watches())
        .extracting(WatchUpgradeRequest::getAfterSequence)
        .containsExactly(0L, 7L);
    // Shut down under an open stream, a grpc-netty server either cancels it (RST_STREAM: CANCELLED)
    // or the connection's GOAWAY ends it first (UNAVAILABLE): both seen, in different runs.
    assertThat(run.err())
        .containsPattern("lost moltd \\((CANCELLED|UNAVAILABLE): ")
        .contains("reconnected to moltd");
  }

  private CliRun molt(String... args) {
    return molt(Map.of(), args);
  }

  private CliRun molt(Map<String, String> env, String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var context = new CliContext(new NettyChannelFactory(), env, time, CliHarness.BACKOFF, () -> false);
    var commandLine = MoltCli.commandLine(new MoltCli(context));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  private Server serve() {
    try {
      return NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .channelType(EpollServerDomainSocketChannel.class)
          .bossEventLoopGroup(loop)
          .workerEventLoopGroup(loop)
          .directExecutor()
          .addService(host)
          .addService(upgrades)
          .addService(snapshots)
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve on " + socket, e);
    }
  }

  /** Waits for the stopped server's socket to be gone, so a new one can bind the path. */
  private void awaitStopped() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!server.isTerminated() || Files.exists(socket)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("server on " + socket + " did not stop in 30 s");
      }
      Thread.onSpinWait();
    }
  }

  private static void stop(Server server) {
    server.shutdownNow();
    try {
      server.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
