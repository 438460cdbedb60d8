package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A process ended after its TCP sockets were silenced says nothing to its peer. */
@Timeout(60)
class QuietSocketsTest {

    @Test
    void aSilencedConnectionSendsNeitherFinNorResetWhenItsProcessEnds() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process holder = holdConnection(server.getLocalPort());
            try (Socket peer = server.accept()) {
                peer.setSoTimeout(1500);
                try (QuietSockets quiet = QuietSockets.silence(List.of(holder.pid()))) {
                    assertThat(quiet.repaired()).isEqualTo(1);
                    holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                InputStream in = peer.getInputStream();
                assertThatThrownBy(in::read).as("no FIN (read would return -1) and no RST").isInstanceOf(SocketTimeoutException.class);
            }
        }
    }

    @Test
    void withoutSilencingThePeerSeesTheConnectionEnd() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process holder = holdConnection(server.getLocalPort());
            try (Socket peer = server.accept()) {
                peer.setSoTimeout(5000);
                holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                assertThat(peer.getInputStream().read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void processesWithoutSocketsAndVanishedOnesAreFine() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try (QuietSockets quiet = QuietSockets.silence(List.of(sleeper.pid(), 999_999_999L))) {
            assertThat(quiet.repaired()).isZero();
        } finally {
            sleeper.destroyForcibly();
        }
    }

    /** A bash that opens a connection with /dev/tcp and sleeps holding it. */
    private static Process holdConnection(int port) throws Exception {
        return new ProcessBuilder("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + "; exec sleep 600").start();
    }
}
