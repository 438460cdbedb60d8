package dev.molt.api.auth;

import java.util.Locale;

/**
 * What a caller may do. Ordered: an operator may do everything a viewer may. {@link #NONE} is a
 * caller that proved who it is but holds no role (a Unix user outside the operator group, a
 * certificate without a known OU): it is refused every method that needs a role.
 */
public enum Role {
    NONE,
    /** Reads: status, plans, upgrades, snapshots, the audit log. */
    VIEWER,
    /** Everything a viewer may, and every call that changes the host: upgrades, snapshots, cancels. */
    OPERATOR;

    public boolean allows(Role required) {
        return compareTo(required) >= 0;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "operator" or "viewer" (any case); empty for anything else. */
    public static java.util.Optional<Role> parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "operator" -> java.util.Optional.of(OPERATOR);
            case "viewer" -> java.util.Optional.of(VIEWER);
            default -> java.util.Optional.empty();
        };
    }
}
