package dev.molt.criu.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.criu.CriuException;
import dev.molt.criu.CriuVersion;
import dev.molt.criu.LogTail;
import dev.molt.snapshot.SnapshotException;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one table from failures to Status codes (criu_adapter.proto's header). */
class StatusMapperTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(new AdapterException.InvalidArgument("pid", "must be > 0"), Status.Code.INVALID_ARGUMENT),
                Arguments.of(new AdapterException.NotFound("pid 9 does not exist"), Status.Code.NOT_FOUND),
                Arguments.of(new AdapterException.AlreadyExists("snapshot s exists"), Status.Code.ALREADY_EXISTS),
                Arguments.of(new AdapterException.PidTaken(9, "'sh'"), Status.Code.FAILED_PRECONDITION),
                Arguments.of(new CriuException.Failed("DUMP", "", 0, LogTail.NONE, null), Status.Code.FAILED_PRECONDITION),
                Arguments.of(new CriuException.MissingFeatures(CriuVersion.parse("3.17"), Path.of("/criu"), List.of()),
                        Status.Code.FAILED_PRECONDITION),
                Arguments.of(new CriuException.Unavailable("CRIU not found", null), Status.Code.UNAVAILABLE),
                Arguments.of(new CriuException.Timeout("no answer", LogTail.NONE), Status.Code.DEADLINE_EXCEEDED),
                Arguments.of(new CriuException.ProtocolError("EOF", LogTail.NONE, null), Status.Code.INTERNAL),
                Arguments.of(new CriuException.Cancelled("interrupted", LogTail.NONE), Status.Code.CANCELLED),
                Arguments.of(new SnapshotException.NotFound("s"), Status.Code.NOT_FOUND),
                Arguments.of(new SnapshotException.AlreadyExists("s"), Status.Code.ALREADY_EXISTS),
                Arguments.of(new SnapshotException.Corrupt("pages-1.img chunk 3"), Status.Code.DATA_LOSS),
                Arguments.of(new SnapshotException.NoSpace("disk full", null), Status.Code.RESOURCE_EXHAUSTED),
                Arguments.of(new SnapshotException.Storage("rocksdb put", null), Status.Code.INTERNAL),
                Arguments.of(new FileSystemException("/staging/x", null, "No space left on device"),
                        Status.Code.RESOURCE_EXHAUSTED),
                Arguments.of(new IOException("No space left on device"), Status.Code.RESOURCE_EXHAUSTED),
                Arguments.of(new IllegalStateException(), Status.Code.INTERNAL));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void maps_each_failure_to_its_code_with_a_description(Exception failure, Status.Code code) {
        Status status = StatusMapper.toStatus(failure);

        assertThat(status.getCode()).isEqualTo(code);
        assertThat(status.getDescription()).isNotBlank();
        assertThat(status.getCause()).isSameAs(failure);
    }

    @ParameterizedTest
    @MethodSource("failures")
    void a_status_already_mapped_keeps_its_code(Exception failure, Status.Code code) {
        Status once = StatusMapper.toStatus(failure).augmentDescription("images kept at /staging/x");

        assertThat(StatusMapper.toStatus(once.asException()).getCode()).isEqualTo(code);
        assertThat(StatusMapper.toStatus(once.asException()).getDescription()).contains("images kept at /staging/x");
    }

    @org.junit.jupiter.api.Test
    void a_very_long_description_is_cut_in_the_middle_keeping_both_ends() {
        String message = "START " + "x".repeat(20_000) + " END";

        String description = StatusMapper.toStatus(new IllegalStateException(message)).getDescription();

        assertThat(description).hasSizeLessThan(StatusMapper.MAX_DESCRIPTION + 100).startsWith("START").endsWith("END")
                .contains("characters cut");
    }
}
