package dev.molt.cli;

import java.nio.file.Path;

/** Where the daemon listens: a Unix socket on this host, or a TCP address. */
public sealed interface Endpoint {
  /** The socket moltd listens on when nothing else is configured. */
  Path DEFAULT_SOCKET = Path.of("/run/molt/molt.sock");

  /** How the endpoint is named in messages: {@code unix:/run/molt/molt.sock}, {@code tcp:h:1}. */
  String describe();

  /** A Unix domain socket. */
  record UnixSocket(Path path) implements Endpoint {
    @Override
    public String describe() {
      return "unix:" + path;
    }
  }

  /** The client's side of mutual TLS: PEM files. */
  record ClientTls(Path ca, Path certificate, Path privateKey) {}

  /** A TCP address, with mutual TLS when {@code tls} is set (plaintext otherwise). */
  record Tcp(String host, int port, ClientTls tls) implements Endpoint {
    public Tcp(String host, int port) {
      this(host, port, null);
    }

    public Tcp withTls(ClientTls clientTls) {
      return new Tcp(host, port, clientTls);
    }

    public Tcp {
      if (host.isBlank()) {
        throw new IllegalArgumentException("the host is empty");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is outside 1-65535");
      }
    }

    /**
     * Parses {@code host:port}, {@code [v6-address]:port}.
     *
     * @throws IllegalArgumentException naming the value and what is wrong with it
     */
    public static Tcp parse(String hostPort) {
      int colon = hostPort.lastIndexOf(':');
      if (colon <= 0 || colon == hostPort.length() - 1) {
        throw new IllegalArgumentException(
            "'" + hostPort + "' is not host:port (for example moltd.example.net:7468)");
      }
      String host = hostPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "'" + hostPort + "' has no numeric port after the last ':'", e);
      }
      try {
        return new Tcp(host, port);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("'" + hostPort + "': " + e.getMessage(), e);
      }
    }

    @Override
    public String describe() {
      return (tls == null ? "tcp:" : "tls:") + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }
}
