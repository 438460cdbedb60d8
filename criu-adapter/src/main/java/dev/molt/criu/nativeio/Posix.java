package dev.molt.criu.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc calls Molt makes itself, through FFM (no JNI of our own): x86_64/aarch64 Linux with
 * glibc. Each wrapper retries on EINTR where the call may be interrupted, and turns {@code -1} into
 * a {@link PosixException} naming the call and errno.
 *
 * <p>Why not ProcessBuilder: it closes every fd >= 3 in the child, and CRIU's {@code swrk} mode
 * needs its end of a socketpair at a known fd.
 */
@SuppressWarnings("restricted") // this class is where Molt calls native code
public final class Posix {

    // Constants of Linux/glibc on x86_64 and aarch64 (checked with a C program on the dev host).
    public static final int AF_UNIX = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0x40;
    public static final int O_APPEND = 0x400;
    public static final int O_DIRECTORY = 0x10000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;
    public static final int EINTR = 4;
    public static final int ESRCH = 3;
    public static final int ECHILD = 10;
    public static final int SIGKILL = 9;
    public static final int WNOHANG = 1;
    public static final short POLLIN = 0x1;
    public static final short POLLHUP = 0x10;
    public static final short POSIX_SPAWN_SETSIGDEF = 0x4;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x8;

    /** glibc's sizes (posix_spawnattr_t 336, posix_spawn_file_actions_t 80, sigset_t 128), rounded up. */
    static final long SPAWN_ATTR_BYTES = 512;
    static final long FILE_ACTIONS_BYTES = 256;
    static final long SIGSET_BYTES = 128;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));

    private static final MethodHandle SOCKETPAIR =
            withErrno("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CLOSE = withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SEND =
            withErrno("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECV =
            withErrno("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL =
            withErrno("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle WAITPID =
            withErrno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle KILL =
            withErrno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PIDFD_OPEN =
            withErrno("pidfd_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    // open(2) is variadic: the mode is the first variadic argument.
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            symbol("open"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2),
            Linker.Option.captureCallState("errno"));
    // The GNU strerror_r: returns a pointer to the message (maybe not into the buffer).
    private static final MethodHandle STRERROR_R =
            plain("strerror_r", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));

    // posix_spawn and its helpers return an error number instead of setting errno.
    static final MethodHandle POSIX_SPAWN = plain("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle FILE_ACTIONS_INIT =
            plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle FILE_ACTIONS_DESTROY =
            plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle FILE_ACTIONS_ADDDUP2 = plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    static final MethodHandle FILE_ACTIONS_ADDOPEN = plain("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    // glibc >= 2.34: closes every fd from the given one up in the child, so no JVM fd leaks into CRIU.
    static final MethodHandle FILE_ACTIONS_ADDCLOSEFROM = plain("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle ATTR_INIT = plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle ATTR_DESTROY =
            plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle ATTR_SETFLAGS =
            plain("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    static final MethodHandle ATTR_SETSIGMASK =
            plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle ATTR_SETSIGDEFAULT =
            plain("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle SIGEMPTYSET = plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle SIGFILLSET = plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private Posix() {}

    /** {@code socketpair(AF_UNIX, type, 0)}; returns the two fds. */
    public static int[] socketpair(int type) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = (int) SOCKETPAIR.invokeExact(capture, AF_UNIX, type, 0, fds);
            if (rc != 0) {
                throw new PosixException("socketpair(AF_UNIX, " + type + ")", errno(capture));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("socketpair", t);
        }
    }

    /** {@code close(fd)}; EINTR is not retried (Linux closes the fd anyway). */
    public static void close(int fd) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            int rc = (int) CLOSE.invokeExact(capture, fd);
            if (rc != 0 && errno(capture) != EINTR) {
                throw new PosixException("close(" + fd + ")", errno(capture));
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("close", t);
        }
    }

    /** {@code send(fd, buf, len, flags)}, retried on EINTR; returns the bytes sent. */
    public static long send(int fd, MemorySegment buf, long len, int flags) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            while (true) {
                long n = (long) SEND.invokeExact(capture, fd, buf, len, flags);
                if (n >= 0) {
                    return n;
                }
                if (errno(capture) != EINTR) {
                    throw new PosixException("send(" + fd + ", " + len + " bytes)", errno(capture));
                }
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("send", t);
        }
    }

    /**
     * {@code recv(fd, buf, len, flags)}, retried on EINTR. With {@link #MSG_TRUNC} on a datagram or
     * seqpacket socket the result is the packet's real length, which may exceed {@code len}.
     */
    public static long recv(int fd, MemorySegment buf, long len, int flags) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            while (true) {
                long n = (long) RECV.invokeExact(capture, fd, buf, len, flags);
                if (n >= 0) {
                    return n;
                }
                if (errno(capture) != EINTR) {
                    throw new PosixException("recv(" + fd + ")", errno(capture));
                }
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("recv", t);
        }
    }

    /**
     * Polls one fd for {@code events}; returns the revents, or 0 when {@code timeoutMillis} passed.
     * An EINTR is retried with the same timeout (callers keep their own deadline).
     */
    public static short pollOne(int fd, short events, int timeoutMillis) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            // struct pollfd { int fd; short events; short revents; }
            MemorySegment pollfd = arena.allocate(8, 4);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, events);
            while (true) {
                pollfd.set(JAVA_SHORT, 6, (short) 0);
                int rc = (int) POLL.invokeExact(capture, pollfd, 1L, timeoutMillis);
                if (rc >= 0) {
                    return rc == 0 ? 0 : pollfd.get(JAVA_SHORT, 6);
                }
                if (errno(capture) != EINTR) {
                    throw new PosixException("poll(" + fd + ")", errno(capture));
                }
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("poll", t);
        }
    }

    /**
     * {@code waitpid(pid, &status, options)}, retried on EINTR. Returns the raw wait status, or -1
     * when {@link #WNOHANG} was given and the child has not changed state.
     */
    public static int waitpid(int pid, int options) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment status = arena.allocate(JAVA_INT);
            while (true) {
                int rc = (int) WAITPID.invokeExact(capture, pid, status, options);
                if (rc == pid) {
                    return status.get(JAVA_INT, 0);
                }
                if (rc == 0) {
                    return -1;
                }
                if (errno(capture) != EINTR) {
                    throw new PosixException("waitpid(" + pid + ")", errno(capture));
                }
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("waitpid", t);
        }
    }

    /** {@code kill(pid, signal)}. */
    public static void kill(int pid, int signal) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            int rc = (int) KILL.invokeExact(capture, pid, signal);
            if (rc != 0) {
                throw new PosixException("kill(" + pid + ", " + signal + ")", errno(capture));
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("kill", t);
        }
    }

    /** {@code pidfd_open(pid, 0)}: an fd that polls readable once the process has exited. */
    public static int pidfdOpen(int pid) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            int fd = (int) PIDFD_OPEN.invokeExact(capture, pid, 0);
            if (fd < 0) {
                throw new PosixException("pidfd_open(" + pid + ")", errno(capture));
            }
            return fd;
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("pidfd_open", t);
        }
    }

    /** {@code open(path, flags, mode)}, retried on EINTR. */
    public static int open(String path, int flags, int mode) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = arena.allocate(CAPTURE_LAYOUT);
            MemorySegment cPath = arena.allocateFrom(path);
            while (true) {
                int fd = (int) OPEN.invokeExact(capture, cPath, flags, mode);
                if (fd >= 0) {
                    return fd;
                }
                if (errno(capture) != EINTR) {
                    throw new PosixException("open(" + path + ")", errno(capture));
                }
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
    }

    /** The C library's message for an errno value ("No such process"). */
    public static String strerror(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            MemorySegment msg = (MemorySegment) STRERROR_R.invokeExact(errno, buf, 256L);
            return msg.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Throws a PosixException when a posix_spawn* helper returned an error number. */
    static void check(int rc, String operation) throws PosixException {
        if (rc != 0) {
            throw new PosixException(operation, rc);
        }
    }

    static IllegalStateException linkageFailure(String function, Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("calling libc " + function + " failed", t);
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "libc has no " + name + ": Molt needs glibc >= 2.36 on Linux"));
    }

    private static MethodHandle withErrno(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }
}
