package dev.molt.api.auth;

import io.grpc.Context;

/**
 * Who is calling, as the transport proved it, and the role that gives them.
 *
 * @param name "uid:0(root)" for a Unix socket peer, "cert:CN=alice,OU=operator" for a TLS client
 * @param peer where from, for the audit log: "unix:pid=1234", "tcp:/203.0.113.7:51234"
 * @param role what they may do
 * @param authenticated whether the transport proved an identity at all (else UNAUTHENTICATED)
 * @param whyNoRole when the role is {@link Role#NONE}, why (named in the refusal); else empty
 */
public record Principal(String name, String peer, Role role, boolean authenticated, String whyNoRole) {

    /** The caller of the current call, set by {@link ApiGate} before any service sees it. */
    public static final Context.Key<Principal> CURRENT = Context.key("molt-principal");

    public static Principal of(String name, String peer, Role role) {
        return new Principal(name, peer, role, true, "");
    }

    /** Known, but holding no role. */
    public static Principal refused(String name, String peer, String why) {
        return new Principal(name, peer, Role.NONE, true, why);
    }

    /** Not known at all: the transport proved nothing. */
    public static Principal unauthenticated(String peer, String why) {
        return new Principal("unauthenticated", peer, Role.NONE, false, why);
    }
}
