package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.criu.testing.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RPC loop's handling of a CRIU that misbehaves, with small shell scripts standing in for
 * CRIU at the other end of the real socket: silence, EOF, garbage, the wrong answer, a
 * notification nobody knows. Each records its pid so the test can see it was reaped.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CriuClientProtocolTest {

    /** Reads exactly one message: dd makes one read() per block (head would wait for more). */
    private static final String READ_ONE = "dd bs=65536 count=1 status=none <&3";

    @TempDir
    Path dir;

    @Test
    void silence_past_the_timeout_kills_and_reaps_criu() throws Exception {
        CriuClient client = new CriuClient(standIn("exec sleep 1000"), Duration.ofMillis(300));

        assertThatThrownBy(client::version)
                .isInstanceOf(CriuException.Timeout.class)
                .hasMessageContaining("did not answer the VERSION request within PT0.3S")
                .hasMessageContaining("killed by signal 9");
        assertReaped();
    }

    @Test
    void eof_before_an_answer_is_a_protocol_error_saying_how_criu_ended() throws Exception {
        CriuClient client = new CriuClient(standIn(READ_ONE + " >/dev/null; exit 3"));

        assertThatThrownBy(client::version)
                .isInstanceOf(CriuException.ProtocolError.class)
                .hasMessageContaining("CRIU (exit 3) closed the connection without answering the VERSION request");
        assertReaped();
    }

    @Test
    void an_unparseable_answer_is_a_protocol_error() throws Exception {
        CriuClient client = new CriuClient(standIn("printf '\\377\\377\\377' >&3; exec sleep 1000"));

        assertThatThrownBy(client::version)
                .isInstanceOf(CriuException.ProtocolError.class)
                .hasMessageContaining("answer to the VERSION request is unreadable");
        assertReaped();
    }

    @Test
    void an_answer_of_the_wrong_type_is_a_protocol_error() throws Exception {
        // criu_resp { type: DUMP, success: true }
        CriuClient client = new CriuClient(standIn("printf '\\010\\001\\020\\001' >&3; exec sleep 1000"));

        assertThatThrownBy(client::version)
                .isInstanceOf(CriuException.ProtocolError.class)
                .hasMessageContaining("answered the VERSION request with a DUMP response");
        assertReaped();
    }

    @Test
    void an_unknown_notification_is_acknowledged_and_the_request_goes_on() throws Exception {
        // Reads our request; sends criu_resp { type: NOTIFY, success: true, notify { script:
        // "brand-new" } }; keeps our answer; sends criu_resp { type: VERSION, success: true,
        // version { major: 4, minor: 2 } }.
        Path ack = dir.resolve("ack");
        CriuClient client = new CriuClient(standIn(READ_ONE + " >/dev/null;"
                + " printf '\\010\\006\\020\\001\\052\\013\\012\\011brand-new' >&3;"
                + " " + READ_ONE + " > " + ack + ";"
                + " printf '\\010\\012\\020\\001\\122\\004\\010\\004\\020\\002' >&3"));

        assertThat(client.version()).isEqualTo(CriuVersion.parse("4.2"));
        // criu_req { type: NOTIFY, notify_success: true }
        assertThat(Files.readAllBytes(ack)).containsExactly(0x08, 0x06, 0x18, 0x01);
        assertReaped();
    }

    @Test
    void an_interrupted_wait_kills_and_reaps_criu_and_keeps_the_interrupt() throws Exception {
        CriuClient client = new CriuClient(standIn("exec sleep 1000"));
        Thread caller = Thread.currentThread();
        Thread interrupter = Thread.ofVirtual().start(() -> {
            try {
                Poll.until(Duration.ofSeconds(10), "the stand-in to start", () -> Files.exists(dir.resolve("pid")));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            caller.interrupt();
        });

        assertThatThrownBy(client::version)
                .isInstanceOf(CriuException.Cancelled.class)
                .hasMessageContaining("killed by signal 9");
        assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
        interrupter.join();
        assertReaped();
    }

    /** A #! script that records its pid, then does {@code body} with the socket at fd 3. */
    private CriuBinary standIn(String body) throws IOException {
        Path script = dir.resolve("criu-stand-in");
        Files.writeString(script, "#!/bin/sh\necho $$ > " + dir.resolve("pid") + "\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new CriuBinary(script);
    }

    private void assertReaped() throws IOException {
        int pid = Integer.parseInt(Files.readString(dir.resolve("pid")).strip());
        assertThat(Path.of("/proc", Integer.toString(pid))).as("stand-in pid %d is reaped", pid).doesNotExist();
    }
}
