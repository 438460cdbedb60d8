package dev.molt.kexec;

import java.nio.file.Path;

/**
 * A file that cannot be booted as a kernel: the message names the file and what is wrong with it,
 * for example {@code /boot/x: not a bzImage: no HdrS magic at 0x202}.
 */
public final class KernelImageException extends Exception {

    private final Path path;
    private final String problem;

    public KernelImageException(Path path, String problem) {
        this(path, problem, null);
    }

    public KernelImageException(Path path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
        this.path = path;
        this.problem = problem;
    }

    /** The file that was inspected. */
    public Path path() {
        return path;
    }

    /** What is wrong with it, without the file name. */
    public String problem() {
        return problem;
    }
}
