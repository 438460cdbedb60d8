package dev.molt.kexec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Loads and enters kernels with the kexec-tools binary: {@code kexec -s -l} (the -s makes it use
 * kexec_file_load too), {@code kexec -s -u}, {@code kexec -e}. For hosts where an operator
 * prefers the distribution's tool, or architectures the FFM loader does not cover. Exercised in
 * the QEMU guest tests; no host test runs it.
 */
public final class KexecToolsLoader implements KexecLoader {

    private final Path kexec;
    private final Duration timeout;

    /**
     * @param kexec the kexec binary ({@code kexec} alone is looked up on PATH)
     * @param timeout how long one kexec command may take before it is killed
     */
    public KexecToolsLoader(Path kexec, Duration timeout) {
        this.kexec = Objects.requireNonNull(kexec, "kexec");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public String name() {
        return "kexec-tools";
    }

    /** The command that stages a kernel; visible for tests. */
    List<String> loadCommand(KernelImage kernel, Path initrd, String cmdline) {
        List<String> command = new ArrayList<>(List.of(kexec.toString(), "-s", "-l", kernel.path().toString()));
        if (initrd != null) {
            command.add("--initrd=" + initrd);
        }
        command.add("--command-line=" + cmdline);
        return command;
    }

    @Override
    public void load(KernelImage kernel, Path initrd, String cmdline) throws SwitchException {
        run(loadCommand(kernel, initrd, cmdline), SwitchException.Reason.LOAD_REFUSED);
    }

    @Override
    public void unload() throws SwitchException {
        run(List.of(kexec.toString(), "-s", "-u"), SwitchException.Reason.FAILED);
    }

    @Override
    public void reboot() throws SwitchException {
        // kexec -e syncs before it reboots (unless --no-sync); on success it never returns.
        run(List.of(kexec.toString(), "-e"), SwitchException.Reason.FAILED);
        throw new SwitchException(SwitchException.Reason.FAILED,
                "kexec -e exited with status 0 but the old kernel still runs");
    }

    void run(List<String> command, SwitchException.Reason onFailure) throws SwitchException {
        Path output = null;
        try {
            output = Files.createTempFile("molt-kexec", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new SwitchException(SwitchException.Reason.FAILED,
                        String.join(" ", command) + " did not finish within " + timeout + "; killed it");
            }
            if (process.exitValue() != 0) {
                String text = tail(Files.readString(output, StandardCharsets.UTF_8));
                throw new SwitchException(classify(text, onFailure),
                        String.join(" ", command) + " exited with status " + process.exitValue() + ": " + text);
            }
        } catch (IOException e) {
            throw new SwitchException(SwitchException.Reason.NOT_SUPPORTED,
                    "cannot run " + kexec + " (" + e.getMessage() + "): install kexec-tools or use the"
                            + " kexec_file_load loader (MOLT_KEXEC=syscall)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SwitchException(SwitchException.Reason.FAILED, "interrupted while running " + command, e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // A leftover temp file is harmless.
                }
            }
        }
    }

    /** kexec-tools prints strerror(): recognise the two that need another remedy than a new image. */
    static SwitchException.Reason classify(String output, SwitchException.Reason otherwise) {
        if (output.contains("Operation not permitted")) {
            return SwitchException.Reason.NOT_PERMITTED;
        }
        if (output.contains("Function not implemented") || output.contains("not supported")) {
            return SwitchException.Reason.NOT_SUPPORTED;
        }
        return otherwise;
    }

    private static String tail(String text) {
        String trimmed = text.strip();
        return trimmed.length() <= 2000 ? trimmed : "..." + trimmed.substring(trimmed.length() - 2000);
    }
}
