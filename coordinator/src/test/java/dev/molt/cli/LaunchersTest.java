package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/molt and bin/moltd, run as an operator would from this checkout. The daemon's supervisor is
 * tested with a stand-in JDK whose `java` exits with scripted codes, since it only sees exit codes.
 */
class LaunchersTest {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  static final Path MOLT = ROOT.resolve("bin/molt");
  static final Path MOLTD = ROOT.resolve("bin/moltd");

  @TempDir Path dir;

  @Test
  void moltRunsTheCliFromTheCheckout() throws Exception {
    var run = launch(List.of(MOLT.toString(), "--version"), Map.of());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).startsWith("molt ");
  }

  @Test
  void moltPassesArgumentsAndExitCodesThrough() throws Exception {
    var run =
        launch(
            List.of(MOLT.toString(), "--socket", dir.resolve("absent.sock").toString(), "check"),
            Map.of());

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err()).contains("molt: cannot reach moltd at unix:" + dir.resolve("absent.sock"));
  }

  @Test
  void moltRefusesAJavaOlderThan25NamingIt() throws Exception {
    Path oldJdk = fakeJdk("17.0.13", "exit 0");

    var run = launch(List.of(MOLT.toString(), "--version"), Map.of("MOLT_JAVA_HOME", oldJdk.toString()));

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("MOLT_JAVA_HOME=" + oldJdk + " is Java 17; Molt needs 25 or later");
  }

  @Test
  void moltUsesAnInstalledLayoutUnderMoltHome() throws Exception {
    Path home = Files.createDirectories(dir.resolve("molt-home/lib"));
    Files.writeString(home.resolve("molt.jar"), "not really a jar");
    Path jdk = fakeJdk("25.0.3", "printf '%s\\n' \"$@\" > " + dir.resolve("args"));

    var run =
        launch(
            List.of(MOLT.toString(), "status"),
            Map.of("MOLT_JAVA_HOME", jdk.toString(), "MOLT_HOME", home.getParent().toString()));

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(Files.readAllLines(dir.resolve("args")))
        .contains("--enable-native-access=ALL-UNNAMED", "-cp", home + "/*", "dev.molt.cli.MoltCli")
        .endsWith("status");
  }

  @Test
  void moltdRestartsTheDaemonWhileItExitsWith75AndReturnsAnyOtherCode() throws Exception {
    Path codes = dir.resolve("codes");
    Files.writeString(codes, "75\n75\n4\n");
    Path log = dir.resolve("runs");
    Path jdk =
        fakeJdk(
            "25.0.3",
            "echo \"$*\" >> " + log + "\n"
                + "code=$(head -1 " + codes + "); sed -i 1d " + codes + "\n"
                + "exit $code");

    var run =
        launch(List.of(MOLTD.toString(), "--config", "/etc/molt/moltd.toml"),
            Map.of("MOLT_JAVA_HOME", jdk.toString()));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(4);
    List<String> runs = Files.readAllLines(log);
    assertThat(runs).hasSize(3);
    assertThat(runs).allSatisfy(args -> assertThat(args)
        .startsWith("--enable-native-access=ALL-UNNAMED")
        .endsWith("dev.molt.daemon.Moltd --config /etc/molt/moltd.toml"));
    assertThat(run.err()).contains("moltd: the daemon asked for a restart (exit 75)");
  }

  @Test
  void moltdPassesTermOnAndDoesNotRestartAfterIt() throws Exception {
    Path log = dir.resolve("runs");
    Path jdk =
        fakeJdk(
            "25.0.3",
            "trap 'echo got TERM >> " + log + "; exit 75' TERM\n"
                + "echo started >> " + log + "\n"
                + "while true; do sleep 0.05; done");
    Process moltd =
        start(List.of(MOLTD.toString()), Map.of("MOLT_JAVA_HOME", jdk.toString()));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!(Files.exists(log) && Files.readString(log).contains("started"))) {
      assertThat(System.nanoTime()).as("the daemon did not start in 30 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
    moltd.destroy(); // SIGTERM

    assertThat(moltd.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(moltd.exitValue()).isEqualTo(75);
    assertThat(Files.readAllLines(log)).containsExactly("started", "got TERM");
  }

  /** A directory that looks like a JDK of {@code version} whose bin/java runs {@code script}. */
  private Path fakeJdk(String version, String script) throws IOException {
    Path home = Files.createDirectories(dir.resolve("jdk-" + version + "/bin"));
    Files.writeString(home.getParent().resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
    Path java = home.resolve("java");
    Files.writeString(java, "#!/usr/bin/env bash\n" + script + "\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home.getParent();
  }

  private Process start(List<String> command, Map<String, String> env) throws IOException {
    var builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().remove("MOLT_HOME");
    builder.environment().remove("MOLT_JAVA_HOME");
    builder.environment().putAll(env);
    return builder.start();
  }

  private CliRun launch(List<String> command, Map<String, String> env) throws Exception {
    Process process = start(command, env);
    process.getOutputStream().close();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
    return new CliRun(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }
}
