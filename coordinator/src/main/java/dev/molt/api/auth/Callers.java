package dev.molt.api.auth;

import io.grpc.Attributes;
import io.grpc.Grpc;
import java.net.SocketAddress;
import javax.net.ssl.SSLSession;

/** Who calls on one listener, from its transport's attributes. One per listener kind. */
@FunctionalInterface
public interface Callers {

    Principal identify(Attributes transport);

    /** The Unix socket: the peer's SO_PEERCRED, judged by {@code policy}. */
    static Callers unixSocket(UnixPeerPolicy policy) {
        return transport -> {
            var credentials = transport.get(PeerCredentialsHandler.PEER_CREDENTIALS);
            if (credentials == null) {
                return Principal.unauthenticated("unix", "the kernel gave no credentials for this Unix socket peer");
            }
            return policy.identify(credentials);
        };
    }

    /** TCP with mutual TLS: the verified client certificate. */
    static Callers mutualTls() {
        return transport -> {
            String peer = peer(transport);
            SSLSession session = transport.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            if (session == null) {
                return Principal.unauthenticated(peer, "the connection is not TLS");
            }
            return CertificatePolicy.identify(session, peer);
        };
    }

    /**
     * Plaintext TCP, explicitly asked for with {@code insecure_tcp = true}: everyone who can reach
     * the port is an operator. For a test guest behind a private port forward only.
     */
    static Callers insecureTcp() {
        return transport -> Principal.of("insecure-tcp", peer(transport), Role.OPERATOR);
    }

    private static String peer(Attributes transport) {
        SocketAddress remote = transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return "tcp:" + (remote == null ? "unknown" : remote.toString());
    }
}
