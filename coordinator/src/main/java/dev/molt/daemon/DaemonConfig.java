package dev.molt.daemon;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the daemon keeps things and how it is reached.
 *
 * @param storeDir the RocksDB snapshot store and journal; must be on persistent disk (it is how an
 *     upgrade survives kexec)
 * @param stagingDir where CRIU writes images before they are persisted, and reads them at restore
 * @param socket the Unix socket of the operator API
 * @param tcpListen host:port to also serve the API on (plaintext; empty for none)
 * @param criu the CRIU binary
 */
public record DaemonConfig(Path storeDir, Path stagingDir, Path socket, String tcpListen, Path criu) {

    public static final Path DEFAULT_STORE = Path.of("/var/lib/molt/store");
    public static final Path DEFAULT_STAGING = Path.of("/var/lib/molt/staging");
    public static final Path DEFAULT_SOCKET = Path.of("/run/molt/molt.sock");

    /** MOLT_CRIU, else Molt's own install (~/.cache/molt/bin/criu, /opt/molt/criu/bin/criu), else PATH. */
    public static Path defaultCriu() {
        String env = System.getenv("MOLT_CRIU");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Optional<Path> own = java.util.stream.Stream.of(
                        Path.of(System.getProperty("user.home"), ".cache/molt/bin/criu"),
                        Path.of("/opt/molt/criu/bin/criu"))
                .filter(Files::isExecutable)
                .findFirst();
        return own.orElse(Path.of("criu"));
    }
}
