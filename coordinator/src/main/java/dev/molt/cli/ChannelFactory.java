package dev.molt.cli;

import io.grpc.ManagedChannel;

/**
 * Opens the gRPC channel to the daemon. The CLI uses {@link NettyChannelFactory}; tests hand
 * {@link MoltCli} one that returns an in-process channel.
 */
@FunctionalInterface
public interface ChannelFactory {
  /** A new channel to {@code endpoint}; the caller shuts it down. Does not connect yet. */
  ManagedChannel open(Endpoint endpoint);
}
