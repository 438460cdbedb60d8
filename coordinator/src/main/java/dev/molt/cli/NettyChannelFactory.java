package dev.molt.cli;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * Channels over grpc-netty. A Unix socket goes through grpc-netty's own "unix:" channel provider:
 * an epoll domain-socket channel (EpollDomainSocketChannel on a DomainSocketAddress) on grpc's
 * shared, reference-counted epoll event loop, released when the last channel closes.
 */
public final class NettyChannelFactory implements ChannelFactory {
  /**
   * Over TCP the daemon's host may vanish without closing the connection (a kexec reboots it), and
   * a client that only listens on a watch stream would never notice: HTTP/2 pings find out. moltd
   * must permit pings this often (permitKeepAliveTime at most this), or it answers with GOAWAY
   * "too_many_pings", which the CLI survives as one more reconnect. A Unix socket needs none: the
   * kernel closes it when the daemon exits, and a kexec ends this process as well.
   */
  static final long TCP_KEEPALIVE_SECONDS = 30;

  static final long TCP_KEEPALIVE_TIMEOUT_SECONDS = 10;

  @Override
  public ManagedChannel open(Endpoint endpoint) {
    return switch (endpoint) {
      case Endpoint.UnixSocket unix ->
          Grpc.newChannelBuilder(
                  "unix://" + unix.path().toAbsolutePath(), InsecureChannelCredentials.create())
              .build();
      case Endpoint.Tcp tcp ->
          NettyChannelBuilder.forAddress(tcp.host(), tcp.port())
              .usePlaintext()
              .keepAliveTime(TCP_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
              .keepAliveTimeout(TCP_KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .build();
    };
  }
}
