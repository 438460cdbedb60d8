package dev.molt.criu.nativeio;

/** How a child ended, decoded from a raw {@code waitpid} status. */
public record ExitStatus(int raw) {

    /** True when the child called exit (or returned from main). */
    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    /** The exit code; meaningful only when {@link #exited()}. */
    public int exitCode() {
        return (raw >> 8) & 0xff;
    }

    /** The signal that ended the child, or 0 when it exited. */
    public int signal() {
        return exited() ? 0 : raw & 0x7f;
    }

    public boolean success() {
        return exited() && exitCode() == 0;
    }

    @Override
    public String toString() {
        return exited() ? "exit " + exitCode() : "killed by signal " + signal();
    }
}
