package dev.molt.criu;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The CRIU program Molt runs (maybe a #! wrapper that starts CRIU through its own loader). */
public record CriuBinary(Path path) {

    /** Environment variable naming the CRIU binary; wins over everything else. */
    public static final String ENV = "MOLT_CRIU";

    /** Where scripts/install-deps.sh links CRIU, relative to the home directory. */
    public static final Path INSTALLED = Path.of(".cache", "molt", "bin", "criu");

    /**
     * Finds CRIU: {@code $MOLT_CRIU}, else {@code ~/.cache/molt/bin/criu}, else {@code criu} on
     * {@code PATH}.
     */
    public static CriuBinary locate() throws CriuException.Unavailable {
        return locate(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    static CriuBinary locate(Map<String, String> env, Path home) throws CriuException.Unavailable {
        String configured = env.get(ENV);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            if (!Files.isExecutable(path)) {
                throw new CriuException.Unavailable(
                        ENV + "=" + configured + " is not an executable file; fix or unset " + ENV, null);
            }
            return new CriuBinary(path);
        }
        List<Path> tried = new ArrayList<>();
        Path installed = home.resolve(INSTALLED);
        tried.add(installed);
        if (Files.isExecutable(installed)) {
            return new CriuBinary(installed);
        }
        for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "criu");
            tried.add(candidate);
            if (Files.isExecutable(candidate)) {
                return new CriuBinary(candidate);
            }
        }
        throw new CriuException.Unavailable("CRIU not found: " + ENV + " is unset and none of " + tried
                + " is executable; run scripts/install-deps.sh or set " + ENV, null);
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
