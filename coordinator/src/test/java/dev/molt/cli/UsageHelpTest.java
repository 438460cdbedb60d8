package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** --help teaches: description, options, examples, and the exit codes a script can trust. */
class UsageHelpTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void topLevelHelpListsEveryCommandAndTheExitCodeTable() {
    CliRun run = cli.run("--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("Usage: molt")
        .contains("check", "status", "plan", "upgrade", "upgrades", "snapshot")
        .contains("Exit codes:")
        .contains("MOLT_SOCKET");
    ExitCodes.table()
        .forEach((code, meaning) -> assertThat(run.out()).containsPattern(code + " +\\Q" + meaning + "\\E"));
    assertThat(cli.endpoints).as("help needs no daemon").isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "check", "status", "plan", "upgrade", "upgrades", "upgrades list", "upgrades show",
        "upgrades watch", "upgrades cancel", "snapshot", "snapshot create", "snapshot list",
        "snapshot verify", "snapshot restore", "snapshot rm"
      })
  void everyCommandHasHelpWithExamplesAndExitCodes(String command) {
    CliRun run = cli.run((command + " --help").split(" "));

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("Usage: molt " + command)
        .contains("Examples:")
        .contains("  molt " + command.split(" ")[0])
        .contains("Exit codes:");
  }

  @Test
  void noCommandIsAUsageError() {
    CliRun run = cli.run();

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("molt: Missing required subcommand");
  }

  @Test
  void aMistypedCommandGetsASuggestion() {
    CliRun run = cli.run("upgrde");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("Did you mean: molt upgrade or molt upgrades?");
  }

  @Test
  void versionPrintsOneLine() {
    CliRun run = cli.run("--version");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("molt ").hasLineCount(1);
  }
}
