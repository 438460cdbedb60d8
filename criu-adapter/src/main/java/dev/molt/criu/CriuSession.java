package dev.molt.criu;

import dev.molt.criu.nativeio.ChildProcess;
import dev.molt.criu.nativeio.ExitStatus;
import dev.molt.criu.nativeio.PosixException;
import dev.molt.criu.nativeio.SeqpacketSocket;
import dev.molt.criu.nativeio.Spawn;
import dev.molt.criu.rpc.CriuRpc.criu_req;
import dev.molt.criu.rpc.CriuRpc.criu_resp;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code criu swrk 3} process and our end of its socket. Closing it closes the socket and
 * reaps CRIU, killing it if it has not exited: no CRIU outlives its session, none is left a zombie.
 */
final class CriuSession implements AutoCloseable {

    /** The fd at which CRIU finds its end of the socketpair ({@code criu swrk 3}). */
    static final int SWRK_FD = 3;

    private final ChildProcess criu;
    private final SeqpacketSocket socket;

    private CriuSession(ChildProcess criu, SeqpacketSocket socket) {
        this.criu = criu;
        this.socket = socket;
    }

    /** Starts CRIU; its stdout and stderr go to {@code output} when given, else to ours. */
    static CriuSession start(CriuBinary binary, Optional<Path> output) throws CriuException.Unavailable {
        SeqpacketSocket.Pair pair;
        try {
            pair = SeqpacketSocket.pair();
        } catch (PosixException e) {
            throw new CriuException.Unavailable("could not make CRIU's socket: " + e.getMessage(), e);
        }
        try (SeqpacketSocket remote = pair.remote()) {
            ChildProcess child = Spawn.spawn(new Spawn.Request(
                    binary.path(),
                    List.of(binary.path().toString(), "swrk", Integer.toString(SWRK_FD)),
                    System.getenv(),
                    Map.of(SWRK_FD, remote.fd()),
                    output));
            return new CriuSession(child, pair.local());
        } catch (PosixException e) {
            pair.local().close();
            throw new CriuException.Unavailable("could not start " + binary + " swrk: " + e.getMessage(), e);
        }
    }

    int pid() {
        return criu.pid();
    }

    void send(criu_req request) throws IOException {
        socket.send(request.toByteArray());
    }

    /** One response; empty when CRIU closed its end. */
    Optional<criu_resp> receive(Duration timeout) throws IOException {
        Optional<byte[]> message = socket.receive(timeout);
        if (message.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(criu_resp.parseFrom(message.get()));
    }

    /**
     * Closes our end and waits up to {@code grace} for CRIU to exit, then kills it; always reaps.
     * Returns how CRIU ended.
     */
    ExitStatus finish(Duration grace) throws PosixException {
        socket.close();
        Optional<ExitStatus> status = criu.waitFor(grace);
        return status.isPresent() ? status.get() : criu.killAndReap();
    }

    @Override
    public void close() {
        socket.close();
        criu.close();
    }
}
