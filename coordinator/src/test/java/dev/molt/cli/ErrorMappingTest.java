package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.UpgradeState;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Each status the daemon may answer becomes its exit code, with the daemon's words on stderr. */
class ErrorMappingTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @ParameterizedTest(name = "{0} exits {1}")
  @CsvSource({
    "INVALID_ARGUMENT, 2",
    "OUT_OF_RANGE, 2",
    "FAILED_PRECONDITION, 3",
    "NOT_FOUND, 4",
    "ALREADY_EXISTS, 7",
    "ABORTED, 7",
    "DATA_LOSS, 8",
    "RESOURCE_EXHAUSTED, 9",
    "INTERNAL, 10",
    "UNKNOWN, 10",
    "UNIMPLEMENTED, 10",
    "PERMISSION_DENIED, 12",
    "UNAUTHENTICATED, 12"
  })
  void aStatusFromTheDaemonBecomesItsExitCodeAndItsDescriptionIsShown(
      Status.Code code, int exitCode) {
    cli.host.failure = Status.fromCode(code).withDescription("what the daemon said about " + code);

    CliRun run = cli.run("check");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(exitCode);
    assertThat(run.err()).isEqualTo("molt: what the daemon said about " + code + "\n");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void unavailableNamesTheEndpointAndWhatToDo() {
    cli.host.failure = Status.UNAVAILABLE.withDescription("io exception");

    CliRun run = cli.run("--socket", "/run/molt/other.sock", "check");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err())
        .startsWith("molt: cannot reach moltd at unix:/run/molt/other.sock: io exception")
        .contains("is moltd running?")
        .contains("--socket or MOLT_SOCKET");
  }

  @Test
  void aCallTheDaemonDropsIsLikeAnUnreachableDaemon() {
    cli.host.failure = Status.CANCELLED.withDescription("RST_STREAM closed stream");

    CliRun run = cli.run("check");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err())
        .startsWith("molt: moltd at unix:/run/molt/molt.sock dropped the call (RST_STREAM closed")
        .contains("probably restarting");
  }

  @Test
  void aDaemonThatDoesNotAnswerInTimeExitsElevenAndWarnsTheRequestMayHaveWorked() {
    cli.host.silent = true;

    CliRun run = cli.run("--timeout", "200ms", "check");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.TIMEOUT);
    assertThat(run.err())
        .startsWith("molt: moltd at unix:/run/molt/molt.sock did not answer in time")
        .contains("the request may still take effect")
        .contains("raise --timeout");
  }

  @Test
  void aStatusWithoutDescriptionIsShownByItsCode() {
    cli.host.failure = Status.INTERNAL;

    CliRun run = cli.run("check");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.INTERNAL);
    assertThat(run.err()).isEqualTo("molt: INTERNAL (the daemon gave no detail)\n");
  }

  @Test
  void anUnexpectedExceptionIsAnInternalErrorWithItsTrace() {
    var failures = new Failures();
    var commandLine = MoltCli.commandLine(new MoltCli(CliContext.system()));
    var err = new java.io.StringWriter();
    commandLine.setErr(new java.io.PrintWriter(err, true));

    int exitCode =
        failures.handleExecutionException(
            new IllegalStateException("state machine confused"),
            commandLine,
            CommandLine.ParseResult.builder(commandLine.getCommandSpec()).build());

    assertThat(exitCode).isEqualTo(ExitCodes.INTERNAL);
    assertThat(err.toString())
        .startsWith("molt: internal error (a bug in molt; please report it with this trace):")
        .contains("java.lang.IllegalStateException: state machine confused")
        .contains("\tat ");
  }

  @Test
  void everyCodeHasAnExitCodeAndEveryExitCodeIsInTheHelpTable() {
    for (Status.Code code : Status.Code.values()) {
      assertThat(ExitCodes.table()).containsKey(String.format("%2d", ExitCodes.forStatus(code)));
    }
    for (UpgradeState state :
        new UpgradeState[] {
          UpgradeState.DONE, UpgradeState.ABORTED, UpgradeState.ROLLED_BACK, UpgradeState.FAILED
        }) {
      assertThat(ExitCodes.table()).containsKey(String.format("%2d", ExitCodes.forFinalState(state)));
    }
  }
}
