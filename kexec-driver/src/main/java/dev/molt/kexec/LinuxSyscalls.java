package dev.molt.kexec;

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
 * The few libc calls the kexec loader needs, through the FFM API: open, close, syscall (glibc has
 * no kexec_file_load wrapper), sync and reboot. Every call that can fail returns its result with
 * the errno captured right after it, before the JVM can overwrite it.
 *
 * <p>Exercised on a kernel with kexec only in the QEMU guest tests; the development host's kernel
 * has no kexec, and no host test may call these.
 */
final class LinuxSyscalls {

    /** x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
    static final long SYS_KEXEC_FILE_LOAD = 320;

    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;

    /** kexec_file_load flags (include/uapi/linux/kexec.h). */
    static final long KEXEC_FILE_UNLOAD = 0x1;
    static final long KEXEC_FILE_NO_INITRAMFS = 0x4;

    /** reboot(2) command that boots the kernel loaded by kexec; glibc's reboot() adds the magics. */
    static final int LINUX_REBOOT_CMD_KEXEC = 0x45584543;

    /** A call's return value and the errno it left (meaningful only when the value is -1). */
    record Result(long value, int errno) {
        boolean failed() {
            return value == -1;
        }
    }

    private LinuxSyscalls() {
    }

    /** Opens {@code path} read-only and close-on-exec; returns the fd or -1 with errno. */
    static Result openReadOnly(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Handles.CAPTURE);
            int fd = (int) Handles.OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC, 0);
            return new Result(fd, errno(state));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) Handles.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * kexec_file_load(kernel_fd, initrd_fd, cmdline_len, cmdline, flags). The command line is
     * passed with its terminating NUL, and cmdline_len counts it, as the kernel requires.
     * With {@code cmdline == null} the call passes length 0 and a null pointer (used to unload).
     */
    static Result kexecFileLoad(int kernelFd, int initrdFd, String cmdline, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Handles.CAPTURE);
            MemorySegment text = cmdline == null ? MemorySegment.NULL : arena.allocateFrom(cmdline);
            long length = cmdline == null ? 0 : text.byteSize();
            // Every variadic argument is passed as a 64-bit value: syscall() moves registers as longs.
            long result = (long) Handles.SYSCALL5.invokeExact(state, SYS_KEXEC_FILE_LOAD,
                    (long) kernelFd, (long) initrdFd, length, text, flags);
            return new Result(result, errno(state));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void sync() {
        try {
            Handles.SYNC.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** reboot(LINUX_REBOOT_CMD_KEXEC): returns only on failure. */
    static Result rebootIntoLoadedKernel() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Handles.CAPTURE);
            int result = (int) Handles.REBOOT.invokeExact(state, LINUX_REBOOT_CMD_KEXEC);
            return new Result(result, errno(state));
        } catch (Throwable t) {
            throw rethrow(t);
        }
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

    /** Built on first use, so merely loading the switch classes needs no native access. */
    @SuppressWarnings("restricted") // native access is granted by --enable-native-access (pom, launcher)
    private static final class Handles {
        static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

        static final MethodHandle OPEN = downcall("open",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
        static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle SYSCALL5 = downcall("syscall",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
        static final MethodHandle SYNC = downcall("sync", FunctionDescriptor.ofVoid());
        static final MethodHandle REBOOT = downcall("reboot",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

        private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
            MemorySegment symbol = LINKER.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
            return LINKER.downcallHandle(symbol, descriptor, options);
        }
    }
}
