package dev.molt.api.auth;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.molt.api.Errors;
import dev.molt.api.RequestChecks;
import dev.molt.api.v1.AuditEntry;
import dev.molt.audit.AuditLog;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What every call passes before a service sees it, in this order:
 *
 * <ol>
 *   <li>who calls ({@link Callers}: SO_PEERCRED on the Unix socket, the client certificate over
 *       TLS) and whether their role allows the method ({@link MethodRoles}); refused calls end
 *       with UNAUTHENTICATED or PERMISSION_DENIED naming the caller and the role needed;
 *   <li>a deadline that has already passed ends the call with DEADLINE_EXCEEDED before anything
 *       runs; otherwise a read gives up at the caller's deadline (its calls to the criu-adapter
 *       inherit it), and a change runs detached from it, to a consistent end;
 *   <li>the request's limits ({@link RequestChecks}): INVALID_ARGUMENT naming the field;
 *   <li>the audit log: every call to a method that changes the host, and every refused call, is
 *       appended (synced) with its outcome before the outcome is sent.
 * </ol>
 *
 * The caller is then {@link Principal#CURRENT} in the call's context.
 */
public final class ApiGate implements ServerInterceptor {
    private static final Logger LOG = Logger.getLogger(ApiGate.class.getName());
    static final int MAX_SUMMARY = 512;

    private final Callers callers;
    private final AuditLog audit;
    private final Clock clock;
    private final CallObserver observer;

    /** Told of every call's outcome (for metrics). */
    @FunctionalInterface
    public interface CallObserver {
        void ended(String method, Status.Code code);

        CallObserver NONE = (method, code) -> {};
    }

    public ApiGate(Callers callers, AuditLog audit, Clock clock, CallObserver observer) {
        this.callers = callers;
        this.audit = audit;
        this.clock = clock;
        this.observer = observer;
    }

    /** {@code service} behind this gate; a request that does not parse is answered INVALID_ARGUMENT. */
    public io.grpc.ServerServiceDefinition guard(io.grpc.BindableService service) {
        return io.grpc.ServerInterceptors.intercept(UnparsedRequests.tolerate(service.bindService()), this);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Principal who;
        try {
            who = callers.identify(call.getAttributes());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot tell who calls " + method, e);
            who = Principal.unauthenticated("unknown", "moltd could not tell who calls: " + e.getMessage());
        }
        Role required = MethodRoles.required(method);
        boolean allowed = who.role().allows(required);
        Record record = new Record(method, who);
        AuditedCall<Q, R> watched = new AuditedCall<>(call, record, MethodRoles.mutating(method) || !allowed);
        if (!allowed) {
            Status refusal = who.authenticated()
                    ? Status.PERMISSION_DENIED.withDescription(who.name() + " may not call " + method + ": it needs the "
                            + required.label() + " role, " + (who.role() == Role.NONE ? who.whyNoRole() : "and has " + who.role().label()))
                    : Status.UNAUTHENTICATED.withDescription("cannot call " + method + ": " + who.whyNoRole());
            LOG.info("refused: " + refusal.getDescription() + " (" + who.peer() + ")");
            watched.close(refusal, new Metadata());
            return new ServerCall.Listener<>() {};
        }
        Context context = Context.current().withValue(Principal.CURRENT, who);
        if (MethodRoles.mutating(method)) {
            // A call that changes the host runs to a consistent end whatever the caller's deadline
            // or cancellation: its work (a dump, a restore, the thaw after it) must not be cut off
            // halfway because the client gave up. The caller still hears DEADLINE_EXCEEDED at its
            // deadline (the CLI says the request may have taken effect); the work goes on detached.
            context = context.fork();
        }
        if (Context.current().getDeadline() != null && Context.current().getDeadline().isExpired()) {
            watched.close(Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before moltd began it; nothing was done"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return new CheckedListener<>(Contexts.interceptCall(context, watched, headers, next), watched, record);
    }

    /** What the audit entry of one call says, filled in as the call goes. */
    private final class Record {
        final String method;
        final Principal who;
        volatile String requestId = "";
        volatile String summary = "";
        final AtomicBoolean written = new AtomicBoolean();

        Record(String method, Principal who) {
            this.method = method;
            this.who = who;
        }

        void request(Object message) {
            if (message instanceof Message m) {
                FieldDescriptor id = m.getDescriptorForType().findFieldByName("request_id");
                if (id != null && id.getType() == FieldDescriptor.Type.STRING && !id.isRepeated()) {
                    requestId = abbreviate((String) m.getField(id), 128);
                }
                summary = abbreviate(TextFormat.printer().emittingSingleLine(true).printToString(m), MAX_SUMMARY);
            }
        }

        void ended(Status status, boolean audited) {
            if (!written.compareAndSet(false, true)) {
                return;
            }
            observer.ended(method, status.getCode());
            if (!audited) {
                return;
            }
            try {
                audit.append(AuditEntry.newBuilder()
                        .setAtMillis(clock.millis())
                        .setPrincipal(who.name())
                        .setRole(who.role().label())
                        .setPeer(who.peer())
                        .setMethod(method)
                        .setRequestId(requestId)
                        .setRequestSummary(summary)
                        .setCode(status.getCode().name())
                        .setMessage(status.getDescription() == null ? "" : abbreviate(status.getDescription(), 1024))
                        .build());
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "cannot append to the audit log: " + method + " by " + who.name() + " ended " + status.getCode(), e);
            }
        }
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** Writes the audit entry when the call's status is decided, before it is sent. */
    private static final class AuditedCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
        private final Record record;
        private final boolean audited;

        AuditedCall(ServerCall<Q, R> call, Record record, boolean audited) {
            super(call);
            this.record = record;
            this.audited = audited;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            record.ended(status, audited);
            super.close(status, trailers);
        }

        void cancelled() {
            record.ended(Status.CANCELLED.withDescription("the client went away before the answer"), audited);
        }
    }

    /** Checks each request against {@link RequestChecks} before the service sees it. */
    private static final class CheckedListener<Q, R> extends SimpleForwardingServerCallListener<Q> {
        private final AuditedCall<Q, R> call;
        private final Record record;
        private boolean refused;

        CheckedListener(ServerCall.Listener<Q> delegate, AuditedCall<Q, R> call, Record record) {
            super(delegate);
            this.call = call;
            this.record = record;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            record.request(message);
            if (message == null) {
                refused = true;
                StatusRuntimeException e = Errors.invalidField("", "the request is not a valid "
                        + call.getMethodDescriptor().getFullMethodName() + " request message (it does not parse)");
                call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
                return;
            }
            if (message instanceof Message m) {
                var violation = RequestChecks.check(m);
                if (violation.isPresent()) {
                    refused = true;
                    StatusRuntimeException e = Errors.invalidField(violation.get().field(), violation.get().description());
                    call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
                    return;
                }
            }
            super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                super.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            call.cancelled();
            super.onCancel();
        }
    }
}
