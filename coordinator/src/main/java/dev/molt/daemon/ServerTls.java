package dev.molt.daemon;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import javax.net.ssl.SSLException;

/**
 * The TCP listener's TLS: the JDK's own TLS (no native library to ship), TLS 1.3 and 1.2, and a
 * client certificate required and checked against the configured CA before any call is read.
 */
final class ServerTls {
    private ServerTls() {}

    static SslContext context(DaemonConfig.Tls tls) throws IOException {
        try {
            return GrpcSslContexts.configure(
                            io.netty.handler.ssl.SslContextBuilder.forServer(tls.certificate().toFile(), tls.privateKey().toFile()),
                            SslProvider.JDK)
                    .trustManager(tls.clientCa().toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("cannot set up TLS from certificate " + tls.certificate() + ", key " + tls.privateKey()
                    + " and client CA " + tls.clientCa() + " (PEM files; the key unencrypted PKCS#8): " + e.getMessage(), e);
        }
    }
}
