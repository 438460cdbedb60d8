package dev.molt.criu.service;

import dev.molt.criu.CriuException;
import dev.molt.snapshot.SnapshotException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.FileSystemException;

/**
 * The one place where failures become gRPC Status codes (the table in criu_adapter.proto). Every
 * Status gets a description that names what went wrong; none is empty.
 */
public final class StatusMapper {

    /**
     * Descriptions travel in a header; gRPC's default limit for all of them is 8 KiB. CRIU's log
     * tail fits well under this; longer descriptions are cut from the middle, keeping the end.
     */
    static final int MAX_DESCRIPTION = 6000;

    private StatusMapper() {}

    public static Status toStatus(Throwable failure) {
        Status status = switch (failure) {
            case StatusException e -> e.getStatus();
            case StatusRuntimeException e -> e.getStatus();
            case AdapterException.InvalidArgument e -> Status.INVALID_ARGUMENT;
            case AdapterException.NotFound e -> Status.NOT_FOUND;
            case AdapterException.AlreadyExists e -> Status.ALREADY_EXISTS;
            case AdapterException.PidTaken e -> Status.FAILED_PRECONDITION;
            // CRIU's images filled their disk (the staging directory): room is the remedy, not the tree.
            case CriuException.Failed e when isNoSpace(e) -> Status.RESOURCE_EXHAUSTED;
            case CriuException.Failed e -> Status.FAILED_PRECONDITION;
            case CriuException.MissingFeatures e -> Status.FAILED_PRECONDITION;
            case CriuException.Unavailable e -> Status.UNAVAILABLE;
            case CriuException.Timeout e -> Status.DEADLINE_EXCEEDED;
            case CriuException.Cancelled e -> Status.CANCELLED;
            case CriuException.ProtocolError e -> Status.INTERNAL;
            case SnapshotException.NotFound e -> Status.NOT_FOUND;
            case SnapshotException.AlreadyExists e -> Status.ALREADY_EXISTS;
            case SnapshotException.Corrupt e -> Status.DATA_LOSS;
            case SnapshotException.NoSpace e -> Status.RESOURCE_EXHAUSTED;
            case SnapshotException.Storage e -> Status.INTERNAL;
            case IOException e when isNoSpace(e) -> Status.RESOURCE_EXHAUSTED;
            default -> Status.INTERNAL;
        };
        if (failure instanceof StatusException || failure instanceof StatusRuntimeException) {
            return status;
        }
        return status.withDescription(describe(failure)).withCause(failure);
    }

    /** The failure's message, or its type when it has none; never empty, never too long. */
    static String describe(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            message = failure.getClass().getName() + " (no message)";
        }
        if (message.length() > MAX_DESCRIPTION) {
            int keep = MAX_DESCRIPTION / 2;
            message = message.substring(0, keep) + "\n[... " + (message.length() - 2 * keep) + " characters cut ...]\n"
                    + message.substring(message.length() - keep);
        }
        return message;
    }

    /** ENOSPC as the JDK reports it: in a FileSystemException's reason or an IOException's message. */
    private static boolean isNoSpace(Throwable e) {
        String text = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        return text != null && text.contains("No space left on device");
    }
}
