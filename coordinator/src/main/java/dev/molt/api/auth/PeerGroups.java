package dev.molt.api.auth;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The supplementary groups of a Unix socket's peer, as the kernel recorded them when it connected
 * ({@code getsockopt(SO_PEERGROUPS)}, Linux 4.13+). SO_PEERCRED, which Netty reads, carries only
 * the primary gid; an operator added to the {@code molt} group as a supplementary group (the usual
 * {@code usermod -aG molt alice}) is only seen through this. Like SO_PEERCRED it is the kernel's
 * word, fixed at connect: the peer cannot change it afterwards.
 */
final class PeerGroups {
    private static final int SOL_SOCKET = 1;
    private static final int SO_PEERGROUPS = 59;
    private static final int ERANGE = 34;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_HANDLE =
            Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle GETSOCKOPT = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getsockopt").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS),
            ERRNO);

    private PeerGroups() {}

    /** The peer's supplementary gids; {@code fd} is a connected Unix socket. */
    static int[] of(int fd) throws IOException {
        int capacity = 64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            while (true) {
                MemorySegment gids = arena.allocate(ValueLayout.JAVA_INT, capacity);
                length.set(ValueLayout.JAVA_INT, 0, capacity * 4);
                int r = (int) GETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_PEERGROUPS, gids, length);
                int bytes = length.get(ValueLayout.JAVA_INT, 0);
                if (r == 0) {
                    return gids.asSlice(0, bytes).toArray(ValueLayout.JAVA_INT);
                }
                int errno = (int) ERRNO_HANDLE.get(state, 0L);
                // ERANGE: the kernel wrote the size it needs into length; a user has at most
                // NGROUPS_MAX (65536) groups, so this loop ends.
                if (errno == ERANGE && bytes / 4 > capacity) {
                    capacity = bytes / 4;
                    continue;
                }
                throw new IOException("getsockopt(SO_PEERGROUPS) on fd " + fd + " failed: errno " + errno);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot read the supplementary groups of a Unix socket peer: " + t, t);
        }
    }
}
