package dev.molt.criu.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The programs the tests dump and restore. */
public final class Workloads {

    /**
     * A shell counter: init of its namespace (pid 1) with a long sleep child (pid 2), writing 1, 2,
     * 3... to {@code counter} in its working directory every 50 ms.
     */
    public static final String COUNTER =
            "sleep 100000 & i=0; while :; do i=$((i+1)); echo $i > counter; sleep 0.05; done";

    private Workloads() {}

    /** The counter's last value, once the file holds one. */
    public static long counter(Path dir) throws Exception {
        return Poll.forValue(Duration.ofSeconds(10), "a value in " + dir.resolve("counter"), () -> {
            String text = Files.exists(dir.resolve("counter")) ? Files.readString(dir.resolve("counter")).strip() : "";
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        });
    }

    /** Compiles workloads/tcp_server.c (see there) into {@code dir}; returns the executable. */
    public static Path tcpServer(Path dir) throws IOException, InterruptedException {
        Path source = dir.resolve("tcp_server.c");
        try (InputStream in = Workloads.class.getResourceAsStream("/workloads/tcp_server.c")) {
            if (in == null) {
                throw new IOException("workloads/tcp_server.c is missing from the test resources");
            }
            Files.copy(in, source);
        }
        Path binary = dir.resolve("tcp_server");
        Process gcc = new ProcessBuilder("gcc", "-O1", "-Wall", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(gcc.getInputStream().readAllBytes());
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            throw new IOException("gcc failed (run scripts/install-deps.sh to install it):\n" + output);
        }
        return binary;
    }

    /** The port the TCP server wrote once listening. */
    public static int port(Path portFile) throws Exception {
        return Poll.forValue(Duration.ofSeconds(10), "the server's port in " + portFile, () -> Files.exists(portFile)
                ? Optional.of(Integer.parseInt(Files.readString(portFile).strip()))
                : Optional.empty());
    }
}
