package dev.molt.metrics;

import dev.molt.api.v1.PatchOperation;
import java.util.Optional;

/**
 * An ended livepatch operation as the metrics see it.
 *
 * @param id the operation
 * @param kind one of {@link ResultLabels#LIVEPATCH_KINDS}
 * @param result one of {@link ResultLabels#LIVEPATCH_RESULTS}
 */
record FinishedLivepatch(String id, String kind, String result) {

    /** The operation as the metrics see it; empty while it is under way. */
    static Optional<FinishedLivepatch> of(PatchOperation operation) {
        return ResultLabels.livepatchResult(operation.getState())
                .map(result -> new FinishedLivepatch(operation.getId(), ResultLabels.livepatchKind(operation.getKind()), result));
    }
}
