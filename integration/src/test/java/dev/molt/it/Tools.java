package dev.molt.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where the real parts are. Each lookup fails loudly: these tests never skip a missing part. */
final class Tools {
    private Tools() {}

    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (no mvnw above " + Path.of("").toAbsolutePath() + ")");
        }
        return dir;
    }

    static Path criu() {
        String env = System.getenv("MOLT_CRIU");
        Path path = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache/molt/bin/criu");
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("CRIU is missing at " + path + ": run scripts/install-deps.sh (make test does)");
        }
        return path;
    }

    /** Compiles the test workload (src/test/c/workload.c) once per build. */
    static synchronized Path workloadBinary() throws IOException, InterruptedException {
        Path source = repoRoot().resolve("integration/src/test/c/workload.c");
        Path binary = repoRoot().resolve("integration/target/workload");
        if (Files.exists(binary) && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
            return binary;
        }
        Files.createDirectories(binary.getParent());
        run(List.of("gcc", "-O2", "-Wall", "-o", binary.toString(), source.toString()));
        return binary;
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
