package dev.molt.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import dev.molt.upgrade.UpgradeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Maps domain failures onto gRPC statuses, once, for every service. Each status is a
 * google.rpc.Status whose details say what a client can act on: a {@link BadRequest} naming the
 * field for INVALID_ARGUMENT, a {@link ResourceInfo} naming the unknown or conflicting id for
 * NOT_FOUND and ALREADY_EXISTS, a {@link PreconditionFailure} naming the state or check for
 * FAILED_PRECONDITION. Descriptions are never empty.
 */
public final class Errors {
    private static final Logger LOG = Logger.getLogger(Errors.class.getName());

    private Errors() {}

    public static StatusRuntimeException toStatus(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        String message = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        var status = com.google.rpc.Status.newBuilder().setMessage(message);
        switch (e) {
            case UpgradeException.InvalidArgument x -> status.setCode(Status.Code.INVALID_ARGUMENT.value())
                    .addDetails(badRequest(x.field(), message));
            case UpgradeException.NotFound x -> {
                status.setCode(Status.Code.NOT_FOUND.value());
                if (!x.resourceType().isEmpty()) {
                    status.addDetails(resource(x.resourceType(), x.resourceName(), message));
                }
            }
            case UpgradeException.AlreadyRunning x -> status.setCode(Status.Code.ALREADY_EXISTS.value())
                    .addDetails(resource("upgrade", x.runningId(), "the upgrade running on this host"));
            case UpgradeException.FailedPrecondition x -> status.setCode(Status.Code.FAILED_PRECONDITION.value())
                    .addDetails(Any.pack(PreconditionFailure.newBuilder().addViolations(PreconditionFailure.Violation.newBuilder()
                            .setType(x.type().isEmpty() ? "PREFLIGHT" : x.type())
                            .setSubject(x.subject())
                            .setDescription(message)).build()));
            case UpgradeException.NoSpace x -> status.setCode(Status.Code.RESOURCE_EXHAUSTED.value());
            case UpgradeException.DataLoss x -> status.setCode(Status.Code.DATA_LOSS.value());
            case IllegalArgumentException x -> status.setCode(Status.Code.INVALID_ARGUMENT.value());
            default -> {
                LOG.log(Level.SEVERE, "internal error", e);
                status.setCode(Status.Code.INTERNAL.value());
            }
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /** INVALID_ARGUMENT naming {@code field}, with a BadRequest detail. */
    public static StatusRuntimeException invalidField(String field, String description) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.INVALID_ARGUMENT.value())
                .setMessage(field + ": " + description)
                .addDetails(badRequest(field, description))
                .build());
    }

    private static Any badRequest(String field, String description) {
        return Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                .setField(field).setDescription(description)).build());
    }

    private static Any resource(String type, String name, String description) {
        return Any.pack(ResourceInfo.newBuilder().setResourceType(type).setResourceName(name)
                .setDescription(description).build());
    }
}
