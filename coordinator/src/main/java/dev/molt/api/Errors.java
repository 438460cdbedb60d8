package dev.molt.api;

import dev.molt.upgrade.UpgradeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Maps domain failures onto gRPC status codes, once, for every service. Descriptions are never empty. */
public final class Errors {
    private static final Logger LOG = Logger.getLogger(Errors.class.getName());

    private Errors() {}

    public static StatusRuntimeException toStatus(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        Status status = switch (e) {
            case UpgradeException.InvalidArgument x -> Status.INVALID_ARGUMENT;
            case UpgradeException.NotFound x -> Status.NOT_FOUND;
            case UpgradeException.AlreadyRunning x -> Status.ALREADY_EXISTS;
            case UpgradeException.FailedPrecondition x -> Status.FAILED_PRECONDITION;
            case UpgradeException.NoSpace x -> Status.RESOURCE_EXHAUSTED;
            case UpgradeException.DataLoss x -> Status.DATA_LOSS;
            case IllegalArgumentException x -> Status.INVALID_ARGUMENT;
            default -> {
                LOG.log(Level.SEVERE, "internal error", e);
                yield Status.INTERNAL;
            }
        };
        String message = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return status.withDescription(message).withCause(e).asRuntimeException();
    }
}
