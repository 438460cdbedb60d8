package dev.molt.api.auth;

import java.util.List;

/**
 * A Unix socket's peer as the kernel recorded it at connect: SO_PEERCRED's pid, uid and primary
 * gid, and SO_PEERGROUPS' supplementary gids.
 */
public record UnixPeer(int pid, int uid, int gid, List<Integer> supplementaryGids) {

    public UnixPeer {
        supplementaryGids = List.copyOf(supplementaryGids);
    }

    /** True when {@code gid} is the peer's primary or one of its supplementary groups. */
    public boolean inGroup(int gid) {
        return this.gid == gid || supplementaryGids.contains(gid);
    }
}
