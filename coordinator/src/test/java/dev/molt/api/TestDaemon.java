package dev.molt.api;

import dev.molt.daemon.Daemon;
import dev.molt.daemon.DaemonConfig;
import dev.molt.upgrade.CrashPoints;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real moltd in this JVM: its store on disk, real CRIU, the API on a socket in {@code dir}. */
final class TestDaemon implements AutoCloseable {
    final Daemon daemon;
    final DaemonConfig config;

    private TestDaemon(Daemon daemon, DaemonConfig config) {
        this.daemon = daemon;
        this.config = config;
    }

    static DaemonConfig config(Path dir) {
        return DaemonConfig.local(dir.resolve("store"), dir.resolve("staging"), dir.resolve("molt.sock"), DaemonConfig.defaultCriu());
    }

    static TestDaemon start(DaemonConfig config) throws IOException {
        return new TestDaemon(Daemon.start(config, CrashPoints.none()), config);
    }

    /** A channel to the Unix socket, as this process (root: an operator). */
    ManagedChannel unixChannel() {
        return Grpc.newChannelBuilder("unix://" + config.socket().toAbsolutePath(), InsecureChannelCredentials.create()).build();
    }

    static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        daemon.close();
    }
}
