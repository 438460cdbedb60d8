package dev.molt.kexec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Ends processes without their TCP connections saying goodbye: before the kill, every TCP socket
 * they hold is copied out with pidfd_getfd(2) and put into TCP repair mode, in which closing a
 * socket sends nothing (no FIN, no RST) and leaves no TIME_WAIT or FIN_WAIT behind.
 *
 * <p>Why: the on-host restart switch ends the dumped (frozen) trees on the same kernel where their
 * snapshot is restored next. A plain SIGKILL would leave the old sockets lingering in FIN_WAIT with
 * the very addresses and ports the restored sockets need ("Cannot assign requested address"),
 * and would try to tell the peers the connection is over. CRIU does the same when it ends a tree
 * it dumped; Molt dumps with the tree left running, so it has to do it itself. Needs
 * CAP_SYS_PTRACE over the processes and CAP_NET_ADMIN (root).
 */
public final class QuietSockets implements AutoCloseable {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_REPAIR = 19;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final VarHandle ERRNO_HANDLE = Linker.Option.captureStateLayout()
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle PIDFD_OPEN = function("pidfd_open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle PIDFD_GETFD = function("pidfd_getfd",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = function("setsockopt",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LIBC.find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final List<Integer> copies = new ArrayList<>();
    private int repaired;

    /**
     * Puts every TCP socket the processes hold into repair mode, keeping a copy of each open until
     * {@link #close()}. Sockets that cannot be repaired (listening ones) are left as they are:
     * closing them sends nothing anyway.
     */
    public static QuietSockets silence(List<Long> pids) throws IOException {
        QuietSockets quiet = new QuietSockets();
        try {
            for (long pid : pids) {
                quiet.silence(pid);
            }
        } catch (IOException | RuntimeException e) {
            quiet.close();
            throw e;
        }
        return quiet;
    }

    /** How many sockets were put into repair mode. */
    public int repaired() {
        return repaired;
    }

    private void silence(long pid) throws IOException {
        List<Integer> fds = socketFds(pid);
        if (fds.isEmpty()) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int pidfd = (int) PIDFD_OPEN.invokeExact(state, (int) pid, 0);
            if (pidfd < 0) {
                int errno = (int) ERRNO_HANDLE.get(state, 0L);
                if (errno == 3) { // ESRCH: gone already, nothing to silence
                    return;
                }
                throw new IOException("pidfd_open(" + pid + ") failed: errno " + errno);
            }
            try {
                MemorySegment one = arena.allocate(ValueLayout.JAVA_INT);
                one.set(ValueLayout.JAVA_INT, 0, 1);
                for (int fd : fds) {
                    int copy = (int) PIDFD_GETFD.invokeExact(state, pidfd, fd, 0);
                    if (copy < 0) {
                        continue; // closed meanwhile
                    }
                    copies.add(copy);
                    int r = (int) SETSOCKOPT.invokeExact(state, copy, IPPROTO_TCP, TCP_REPAIR, one, 4);
                    if (r == 0) {
                        repaired++;
                    }
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(pidfd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot silence the sockets of pid " + pid + ": " + t, t);
        }
    }

    /** The fds of a process that are sockets; /proc/PID/net/tcp decides which are TCP (repair fails on others). */
    private static List<Integer> socketFds(long pid) throws IOException {
        List<Integer> fds = new ArrayList<>();
        Path dir = Path.of("/proc", Long.toString(pid), "fd");
        if (!Files.isDirectory(dir)) {
            return fds;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path fd : (Iterable<Path>) entries::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:[")) {
                        fds.add(Integer.parseInt(fd.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return List.of();
        }
        return fds;
    }

    /** Closes the copies: with the processes gone, the sockets vanish silently. */
    @Override
    public void close() {
        for (int fd : copies) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                // nothing more can be done for one fd
            }
        }
        copies.clear();
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError(name + " is not in this libc (glibc 2.36 or later has it)")), descriptor, ERRNO);
    }
}
