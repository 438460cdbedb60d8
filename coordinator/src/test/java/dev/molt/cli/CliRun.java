package dev.molt.cli;

/** What one run of the CLI left: its exit code and everything it printed on each stream. */
record CliRun(int exitCode, String out, String err) {
  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
  }
}
