package dev.molt.kexec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real Debian kernel for tests, fetched by scripts/fetch-kernel.sh into the cache when missing
 * (a Debian package, ~70 MB, ~5 s). A test that needs it fails, never skips, when it cannot be had.
 */
final class RealKernels {

    static final String RELEASE = "6.1.0-56-amd64";

    private RealKernels() {
    }

    static Path debianBzImage() throws IOException, InterruptedException {
        Path script = repositoryRoot().resolve("scripts/fetch-kernel.sh");
        Process fetch = new ProcessBuilder("bash", script.toString(), RELEASE)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(fetch.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int exit = fetch.waitFor();
        if (exit != 0) {
            throw new IllegalStateException(script + " " + RELEASE + " failed (exit " + exit
                    + "): the real-kernel tests need the Debian package linux-image-" + RELEASE);
        }
        return Path.of(out);
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/fetch-kernel.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no scripts/fetch-kernel.sh above " + Path.of("").toAbsolutePath());
    }
}
