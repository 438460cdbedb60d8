package dev.molt.cli;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;
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
          security(NettyChannelBuilder.forAddress(tcp.host(), tcp.port()), tcp.tls())
              .keepAliveTime(TCP_KEEPALIVE_SECONDS, TimeUnit.SECONDS)
              .keepAliveTimeout(TCP_KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .build();
    };
  }

  /** Mutual TLS with the JDK's TLS (moltd's certificate checked against the CA), or plaintext. */
  static NettyChannelBuilder security(NettyChannelBuilder builder, Endpoint.ClientTls tls) {
    if (tls == null) {
      return builder.usePlaintext();
    }
    try {
      return builder.sslContext(
          GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
              .trustManager(tls.ca().toFile())
              .keyManager(tls.certificate().toFile(), tls.privateKey().toFile())
              .build());
    } catch (SSLException | IllegalArgumentException e) {
      throw new CliFailure(
          ExitCodes.USAGE,
          "cannot use the TLS files (CA " + tls.ca() + ", certificate " + tls.certificate()
              + ", key " + tls.privateKey() + "; PEM, the key unencrypted PKCS#8): " + e.getMessage());
    }
  }
}
