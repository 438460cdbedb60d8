package dev.molt.criu;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What to dump and how.
 *
 * @param pid root of the tree, in this JVM's pid namespace
 * @param imagesDir an existing, empty directory that receives the images
 * @param workDir an existing directory for CRIU's log ({@code dump.log}) and output
 * @param tcpEstablished dump established TCP connections (TCP repair, nftables lock); without it
 *     CRIU refuses a tree that holds one
 * @param leaveRunning keep the tree running after the dump; otherwise CRIU kills it once the images
 *     are written
 * @param freezeCgroup a cgroup v2 directory holding the tree (frozen by the caller or not), which
 *     CRIU freezes instead of seizing tasks one by one; if the dump fails CRIU leaves it frozen
 * @param notifyHandler answers CRIU's notifications
 * @param externalNetworkLock the caller already drops the tree's TCP traffic (and keeps dropping it
 *     past the dump): CRIU is told not to lock the network (network_lock SKIP). Needed with
 *     leaveRunning, after which CRIU would lift its own lock while the tree's snapshot must stay
 *     consistent with its sockets
 */
public record DumpSpec(
        int pid,
        Path imagesDir,
        Path workDir,
        boolean tcpEstablished,
        boolean leaveRunning,
        Optional<Path> freezeCgroup,
        NotifyHandler notifyHandler,
        boolean externalNetworkLock) {

    public DumpSpec {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be > 0, got " + pid);
        }
        Objects.requireNonNull(imagesDir, "imagesDir");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(freezeCgroup, "freezeCgroup");
        Objects.requireNonNull(notifyHandler, "notifyHandler");
        freezeCgroup.ifPresent(cgroup -> {
            if (!cgroup.isAbsolute()) {
                throw new IllegalArgumentException("freezeCgroup must be an absolute path, got " + cgroup);
            }
        });
    }

    /** A dump that kills the tree, refuses TCP, seizes tasks itself and acknowledges every notification. */
    public static DumpSpec of(int pid, Path imagesDir, Path workDir) {
        return new DumpSpec(pid, imagesDir, workDir, false, false, Optional.empty(), NotifyHandler.ACCEPT_ALL, false);
    }

    public DumpSpec withTcpEstablished(boolean on) {
        return new DumpSpec(pid, imagesDir, workDir, on, leaveRunning, freezeCgroup, notifyHandler, externalNetworkLock);
    }

    public DumpSpec withLeaveRunning(boolean on) {
        return new DumpSpec(pid, imagesDir, workDir, tcpEstablished, on, freezeCgroup, notifyHandler, externalNetworkLock);
    }

    public DumpSpec withFreezeCgroup(Path cgroup) {
        return new DumpSpec(pid, imagesDir, workDir, tcpEstablished, leaveRunning, Optional.of(cgroup), notifyHandler, externalNetworkLock);
    }

    public DumpSpec withExternalNetworkLock(boolean on) {
        return new DumpSpec(pid, imagesDir, workDir, tcpEstablished, leaveRunning, freezeCgroup, notifyHandler, on);
    }

    public DumpSpec withNotify(NotifyHandler handler) {
        return new DumpSpec(pid, imagesDir, workDir, tcpEstablished, leaveRunning, freezeCgroup, handler, externalNetworkLock);
    }
}
