package dev.molt.metrics;

import dev.molt.api.v1.PatchOperationKind;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.api.v1.UpgradeState;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The label values of the journal's states: lower case, '_' between words, as Prometheus labels go. */
final class ResultLabels {
    /** An upgrade's end states, the values of {@code molt_upgrades_total}'s label {@code result}. */
    static final List<String> UPGRADE_RESULTS = List.of("done", "aborted", "rolled_back", "failed");

    /** The states an upgrade passes through, the values of {@code molt_upgrade_in_progress}'s label {@code state}. */
    static final List<String> UPGRADE_STATES_IN_PROGRESS = List.of(
            "planned", "preflight", "parking", "dumping", "persisted", "switching", "restoring", "verifying");

    /** A livepatch operation's end states, the values of {@code molt_livepatches_total}'s label {@code result}. */
    static final List<String> LIVEPATCH_RESULTS = List.of("completed", "reversed", "reversal_stuck", "forced", "failed");

    static final List<String> LIVEPATCH_KINDS = List.of("apply", "revert");

    private ResultLabels() {}

    /** The result of an ended upgrade; empty while it is under way. */
    static Optional<String> upgradeResult(UpgradeState state) {
        return switch (state) {
            case DONE, ABORTED, ROLLED_BACK, FAILED -> Optional.of(label(state.name()));
            default -> Optional.empty();
        };
    }

    /** The state of an upgrade under way; empty once it ended (or for a state this build does not know). */
    static Optional<String> upgradeInProgress(UpgradeState state) {
        return switch (state) {
            case PLANNED, PREFLIGHT, PARKING, DUMPING, PERSISTED, SWITCHING, RESTORING, VERIFYING ->
                    Optional.of(label(state.name()));
            default -> Optional.empty();
        };
    }

    /** The result of an ended livepatch operation; empty while it is under way. */
    static Optional<String> livepatchResult(PatchOperationState state) {
        return switch (state) {
            case PATCH_COMPLETED, PATCH_REVERSED, PATCH_REVERSAL_STUCK, PATCH_FORCED, PATCH_FAILED ->
                    Optional.of(label(state.name().substring("PATCH_".length())));
            default -> Optional.empty();
        };
    }

    /** "apply" or "revert"; "unknown" for an operation journaled without a kind. */
    static String livepatchKind(PatchOperationKind kind) {
        return switch (kind) {
            case PATCH_APPLY -> "apply";
            case PATCH_REVERT -> "revert";
            default -> "unknown";
        };
    }

    private static String label(String enumName) {
        return enumName.toLowerCase(Locale.ROOT);
    }
}
