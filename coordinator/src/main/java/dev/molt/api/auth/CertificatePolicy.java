package dev.molt.api.auth;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Roles over mutual TLS, from the client certificate (already verified against the configured CA
 * by the TLS handshake): its subject's OU names the role, {@code OU=operator} or {@code
 * OU=viewer}. A certificate with neither is refused; with both, it is a viewer (the lesser).
 */
public final class CertificatePolicy {
    private CertificatePolicy() {}

    public static Principal identify(SSLSession session, String peer) {
        X509Certificate cert;
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate x)) {
                return Principal.unauthenticated(peer, "the TLS client sent no X.509 certificate");
            }
            cert = x;
        } catch (SSLPeerUnverifiedException e) {
            return Principal.unauthenticated(peer, "the TLS client sent no certificate");
        }
        String subject = cert.getSubjectX500Principal().getName();
        List<String> units = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(subject).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("OU")) {
                    units.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return Principal.refused("cert:" + subject, peer, "the certificate's subject '" + subject + "' cannot be parsed");
        }
        String name = "cert:" + subject;
        List<Role> roles = units.stream().map(Role::parse).flatMap(java.util.Optional::stream).sorted().toList();
        if (roles.isEmpty()) {
            return Principal.refused(name, peer, "the client certificate '" + subject
                    + "' names no role: issue it with OU=operator or OU=viewer (docs/security.md)");
        }
        return Principal.of(name, peer, roles.get(0));
    }
}
