package dev.molt.api.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Roles on the Unix socket, from the peer's kernel-given uid and gid: root and members of the
 * operator group (default {@code molt}) are operators; members of the viewer group, when one is
 * configured, are viewers; everyone else is refused. Membership is the peer's primary or a
 * supplementary gid as the kernel gave them at connect (a login session that was given the group),
 * or its user name in the group's member list in {@code /etc/group}, read at each call so that a
 * user just added to the group is let in without logging in again or restarting moltd.
 *
 * @param operatorGroup the group whose members are operators
 * @param viewerGroup the group whose members are viewers; empty for none
 * @param etc the directory holding passwd and group ({@code /etc}; tests give their own)
 */
public record UnixPeerPolicy(String operatorGroup, String viewerGroup, Path etc) {

    public static final String DEFAULT_OPERATOR_GROUP = "molt";

    public Principal identify(UnixPeer credentials) {
        int uid = credentials.uid();
        Optional<String> user = userName(uid);
        String name = "uid:" + uid + user.map(u -> "(" + u + ")").orElse("");
        String peer = "unix:pid=" + credentials.pid();
        if (uid == 0) {
            return Principal.of(name, peer, Role.OPERATOR);
        }
        if (member(operatorGroup, credentials, user)) {
            return Principal.of(name, peer, Role.OPERATOR);
        }
        if (!viewerGroup.isBlank() && member(viewerGroup, credentials, user)) {
            return Principal.of(name, peer, Role.VIEWER);
        }
        return Principal.refused(name, peer, "uid " + uid + user.map(u -> " (" + u + ")").orElse("")
                + " is neither root nor a member of the group '" + operatorGroup + "'"
                + (viewerGroup.isBlank() ? "" : " or '" + viewerGroup + "'")
                + " (add the user to the group, or use sudo)");
    }

    private boolean member(String group, UnixPeer peer, Optional<String> user) {
        for (String line : lines("group")) {
            String[] f = line.split(":", -1);
            if (f.length >= 4 && f[0].equals(group)) {
                if (f[2].matches("\\d+") && peer.inGroup(Integer.parseInt(f[2]))) {
                    return true;
                }
                return user.isPresent() && List.of(f[3].split(",")).contains(user.get());
            }
        }
        return false;
    }

    private Optional<String> userName(int uid) {
        for (String line : lines("passwd")) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && f[2].equals(Integer.toString(uid))) {
                return Optional.of(f[0]);
            }
        }
        return Optional.empty();
    }

    private List<String> lines(String file) {
        try {
            return Files.readAllLines(etc.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + etc.resolve(file) + " to check a Unix socket caller", e);
        }
    }
}
