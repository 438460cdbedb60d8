package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Where the CLI looks for the daemon: --socket, MOLT_SOCKET, the default, or --connect. */
class ConnectionOptionsTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void theDefaultIsTheSystemSocket() {
    cli.run("check");

    assertThat(cli.endpoints).containsExactly(new Endpoint.UnixSocket(Path.of("/run/molt/molt.sock")));
  }

  @Test
  void moltSocketFromTheEnvironmentReplacesTheDefault() {
    cli.env.put("MOLT_SOCKET", "/tmp/molt-dev/molt.sock");

    cli.run("check");

    assertThat(cli.endpoints).containsExactly(new Endpoint.UnixSocket(Path.of("/tmp/molt-dev/molt.sock")));
  }

  @Test
  void socketOptionBeatsTheEnvironmentAndWorksAfterTheSubcommandToo() {
    cli.env.put("MOLT_SOCKET", "/tmp/molt-dev/molt.sock");

    cli.run("upgrades", "list", "--socket", "/tmp/other.sock");

    assertThat(cli.endpoints).containsExactly(new Endpoint.UnixSocket(Path.of("/tmp/other.sock")));
  }

  @Test
  void connectReachesTheDaemonOverTcp() {
    cli.env.put("MOLT_SOCKET", "/tmp/molt-dev/molt.sock");
    cli.host.status = Samples.host();

    CliRun run = cli.run("--connect", "db7.example.net:7468", "check");

    assertThat(run.exitCode()).isZero();
    assertThat(cli.endpoints).containsExactly(new Endpoint.Tcp("db7.example.net", 7468));
  }

  @Test
  void socketAndConnectTogetherAreAUsageErrorNamingBoth() {
    CliRun run = cli.run("--socket", "/tmp/a.sock", "check", "--connect", "h:1");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("molt: --socket /tmp/a.sock and --connect h:1 both say where the daemon is");
    assertThat(cli.endpoints).isEmpty();
  }

  @Test
  void aConnectWithoutPortIsAUsageErrorNamingTheValue() {
    CliRun run = cli.run("--connect", "db7.example.net", "check");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("Invalid value for option '--connect': 'db7.example.net' is not host:port");
  }

  @Test
  void tcpAddressesParse() {
    assertThat(Endpoint.Tcp.parse("10.0.0.7:7468")).isEqualTo(new Endpoint.Tcp("10.0.0.7", 7468));
    assertThat(Endpoint.Tcp.parse("[fd00::7]:7468")).isEqualTo(new Endpoint.Tcp("fd00::7", 7468));
    assertThat(new Endpoint.Tcp("fd00::7", 7468).describe()).isEqualTo("tcp:[fd00::7]:7468");
    assertThatThrownBy(() -> Endpoint.Tcp.parse("h:70000")).hasMessageContaining("outside 1-65535");
    assertThatThrownBy(() -> Endpoint.Tcp.parse("h:http")).hasMessageContaining("no numeric port");
    assertThatThrownBy(() -> Endpoint.Tcp.parse(":80")).hasMessageContaining("not host:port");
  }
}
