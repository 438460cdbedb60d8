package dev.molt.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code molt --version}: the version in the jar's manifest, or "development build". */
public final class MoltVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = MoltCli.class.getPackage().getImplementationVersion();
    return new String[] {"molt " + (version == null ? "(development build)" : version)};
  }
}
