package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class WorkloadSpecTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void parsesTheThreeForms() {
    assertThat(WorkloadSpec.parse("cgroup:molt-demo/counter"))
        .isEqualTo(Workload.newBuilder().setCgroup("molt-demo/counter").build());
    assertThat(WorkloadSpec.parse("cgroup:/sys/fs/cgroup/unified/a:b"))
        .isEqualTo(Workload.newBuilder().setCgroup("/sys/fs/cgroup/unified/a:b").build());
    assertThat(WorkloadSpec.parse("unit:redis-server.service"))
        .isEqualTo(Workload.newBuilder().setSystemdUnit("redis-server.service").build());
    assertThat(WorkloadSpec.parse("unit:docker-4f1e.scope"))
        .isEqualTo(Workload.newBuilder().setSystemdUnit("docker-4f1e.scope").build());
    assertThat(WorkloadSpec.parse("pid:4242"))
        .isEqualTo(Workload.newBuilder().setPid(4242).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"cgroup:molt-demo/counter", "unit:redis-server.service", "pid:4242"})
  void formatGivesBackTheSpec(String spec) {
    assertThat(WorkloadSpec.format(WorkloadSpec.parse(spec))).isEqualTo(spec);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "pid:abc        | 'abc' is not a process id",
        "pid:0          | a process id is a positive number",
        "pid:-5         | a process id is a positive number",
        "pid:99999999999| is not a process id",
        "foo:bar        | 'foo' is not a kind of workload: write cgroup:PATH, unit:NAME.service or pid:N",
        "redis          | it has no kind",
        "cgroup:        | nothing follows 'cgroup:'",
        "unit:redis     | a unit is NAME.service, NAME.scope or NAME.slice",
        "unit:.service  | a unit is NAME.service",
      })
  void aBadWorkloadIsAUsageErrorNamingTheValue(String spec, String why) {
    CliRun run = cli.run("plan", "--switch", "restart", "--workload", spec.strip());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .startsWith("molt: Invalid value for option '--workload'")
        .contains("'" + spec.strip() + "' is not a workload: ")
        .contains(why.strip())
        .contains("See 'molt plan --help'");
    assertThat(cli.upgrades.received(PlanRequest.class)).isFalse();
  }

  @Test
  void theConverterThrowsPicocliTypeConversionException() {
    assertThatThrownBy(() -> new WorkloadSpec().convert("pid:abc"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'pid:abc' is not a workload: 'abc' is not a process id");
  }
}
