package dev.molt.criu;

import java.util.OptionalInt;

/** One notification from CRIU; {@code pid} is the tree's root pid where CRIU sends it. */
public record Notification(NotifyScript script, OptionalInt pid) {}
