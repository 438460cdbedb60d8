package dev.molt.cli;

/** What {@code --output} selects: text for people, JSON for scripts. */
public enum OutputFormat {
  TEXT,
  /** Protobuf's canonical JSON mapping of the API's messages, every field present. */
  JSON
}
