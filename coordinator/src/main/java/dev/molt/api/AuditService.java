package dev.molt.api;

import dev.molt.api.v1.AuditGrpc;
import dev.molt.api.v1.ListAuditEntriesRequest;
import dev.molt.api.v1.ListAuditEntriesResponse;
import dev.molt.audit.AuditLog;
import dev.molt.upgrade.UpgradeException;
import io.grpc.stub.StreamObserver;

/** The Audit API: reads the audit log. */
public final class AuditService extends AuditGrpc.AuditImplBase {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;

    private final AuditLog log;

    public AuditService(AuditLog log) {
        this.log = log;
    }

    @Override
    public void listAuditEntries(ListAuditEntriesRequest request, StreamObserver<ListAuditEntriesResponse> out) {
        UpgradesService.unary(out, () -> {
            int limit = request.getLimit();
            if (limit < 0 || limit > MAX_LIMIT) {
                throw new UpgradeException.InvalidArgument("limit", "must be between 0 and " + MAX_LIMIT + ", got " + limit);
            }
            return ListAuditEntriesResponse.newBuilder()
                    .addAllEntries(log.recent(limit == 0 ? DEFAULT_LIMIT : limit)).build();
        });
    }
}
