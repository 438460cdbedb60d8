package dev.molt.kexec.livepatch;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc and system calls livepatching needs, through FFM: open/close, finit_module and
 * delete_module (no glibc wrappers: syscall()), and kill. Each returns its value with the errno
 * captured right after the call.
 *
 * <p>finit_module and delete_module are only ever called inside the QEMU guest tests: nothing on
 * the development host may load a module.
 */
final class KernelCalls {
    /** x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
    static final long SYS_DELETE_MODULE = 176;
    static final long SYS_FINIT_MODULE = 313;

    static final int O_RDONLY = 0;
    static final int O_NONBLOCK = 04000;
    static final int O_CLOEXEC = 0x80000;

    static final int SIGCONT = 18;
    static final int SIGSTOP = 19;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int ENOEXEC = 8;
    static final int EAGAIN = 11;
    static final int EBUSY = 16;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int EBADMSG = 74;
    static final int ENOKEY = 126;
    static final int EKEYREJECTED = 129;

    record Result(long value, int errno) {
        boolean failed() {
            return value == -1;
        }
    }

    private KernelCalls() {
    }

    static Result finitModule(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Handles.CAPTURE);
            int fd = (int) Handles.OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC, 0);
            if (fd < 0) {
                return new Result(-1, errno(state));
            }
            try {
                long result = (long) Handles.SYSCALL3.invokeExact(state, SYS_FINIT_MODULE, (long) fd,
                        arena.allocateFrom(""), 0L);
                return new Result(result, errno(state));
            } finally {
                int ignored = (int) Handles.CLOSE.invokeExact(fd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Result deleteModule(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Handles.CAPTURE);
            long result = (long) Handles.SYSCALL2.invokeExact(state, SYS_DELETE_MODULE, arena.allocateFrom(name),
                    (long) O_NONBLOCK);
            return new Result(result, errno(state));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static Result kill(int pid, int signal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Handles.CAPTURE);
            int result = (int) Handles.KILL.invokeExact(state, pid, signal);
            return new Result(result, errno(state));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case ENOEXEC -> "ENOEXEC";
            case EAGAIN -> "EAGAIN";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case ENOSYS -> "ENOSYS";
            case EBADMSG -> "EBADMSG";
            case ENOKEY -> "ENOKEY";
            case EKEYREJECTED -> "EKEYREJECTED";
            default -> "errno " + errno;
        };
    }

    private static int errno(MemorySegment state) {
        return (int) Handles.ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }

    /** Built on first use, so loading these classes needs no native access. */
    @SuppressWarnings("restricted") // native access is granted by --enable-native-access (pom, launcher)
    private static final class Handles {
        static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

        static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
        static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle SYSCALL3 = downcall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
        static final MethodHandle SYSCALL2 = downcall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
        static final MethodHandle KILL = downcall("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

        private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            MemorySegment symbol = LINKER.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
            return LINKER.downcallHandle(symbol, descriptor, options);
        }
    }
}
