package dev.molt.cli;

import dev.molt.api.v1.TransitionOptions;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a livepatch transition may take: shared by patch apply, patch revert and upgrade. */
final class TransitionOptionsMixin {
  @Option(
      names = "--grace",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "After this, tasks asleep interruptibly that still hold the transition get"
          + " SIGSTOP+SIGCONT (default: 5s).")
  Duration grace;

  @Option(
      names = "--transition-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "After this, the transition is reversed and who blocked it is reported"
          + " (default: 60s).")
  Duration transitionTimeout;

  @Option(
      names = "--force",
      description = "At the timeout, force the transition instead of reversing it. DANGEROUS:"
          + " tasks may still run the old code, and the module stays loaded until reboot.")
  boolean force;

  TransitionOptions toOptions() {
    var options = TransitionOptions.newBuilder().setForce(force);
    if (grace != null) {
      options.setGraceMillis(grace.toMillis());
    }
    if (transitionTimeout != null) {
      options.setTimeoutMillis(transitionTimeout.toMillis());
    }
    return options.build();
  }

  /** How long the CLI waits for the stream: the transition, its reversal, and slack. */
  Duration streamDeadline() {
    Duration timeout = transitionTimeout == null ? Duration.ofSeconds(60) : transitionTimeout;
    return timeout.multipliedBy(2).plusMinutes(2);
  }
}
