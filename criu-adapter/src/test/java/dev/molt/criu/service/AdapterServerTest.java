package dev.molt.criu.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CheckResponse;
import dev.molt.criu.v1.DeleteSnapshotRequest;
import dev.molt.criu.v1.ListSnapshotsRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The adapter as a process of its own: gRPC over a Unix domain socket (netty epoll). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdapterServerTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void serves_the_adapter_over_a_unix_socket_only_root_may_open() throws Exception {
        Path socket = dir.resolve("adapter.sock");
        CriuAdapterService service = new CriuAdapterService(
                CriuAdapterServiceTest.realCriu(), new FakeSnapshotStore(dir.resolve("store")), dir.resolve("staging"));

        try (AdapterServer _ = AdapterServer.unixSocket(socket, service);
                AdapterChannel channel = AdapterChannel.unixSocket(socket)) {
            CheckResponse answer = channel.blockingStub(DEADLINE).check(CheckRequest.getDefaultInstance());

            assertThat(answer.getCriuVersion()).isEqualTo("4.2.1");
            assertThat(channel.blockingStub(DEADLINE).listSnapshots(ListSnapshotsRequest.getDefaultInstance())
                    .getSnapshotsList()).isEmpty();
            assertThatThrownBy(() -> channel.blockingStub(DEADLINE)
                            .deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId("nope").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        }
    }

    @Test
    void a_stale_socket_from_an_earlier_run_is_replaced() throws Exception {
        Path socket = dir.resolve("adapter.sock");
        CriuAdapterService service = new CriuAdapterService(
                CriuAdapterServiceTest.realCriu(), new FakeSnapshotStore(dir.resolve("store")), dir.resolve("staging"));
        AdapterServer.unixSocket(socket, service).close(); // leaves the socket file behind

        try (AdapterServer _ = AdapterServer.unixSocket(socket, service);
                AdapterChannel channel = AdapterChannel.unixSocket(socket)) {
            assertThat(channel.blockingStub(DEADLINE).listSnapshots(ListSnapshotsRequest.getDefaultInstance())
                    .getSnapshotsList()).isEmpty();
        }
    }

    @Test
    void a_file_that_is_not_a_socket_is_never_deleted() throws Exception {
        Path notASocket = Files.writeString(dir.resolve("adapter.sock"), "precious");
        CriuAdapterService service = new CriuAdapterService(
                CriuAdapterServiceTest.realCriu(), new FakeSnapshotStore(dir.resolve("store")), dir.resolve("staging"));

        assertThatThrownBy(() -> AdapterServer.unixSocket(notASocket, service))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not a socket");
        assertThat(notASocket).hasContent("precious");
    }
}
