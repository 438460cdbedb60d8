package dev.molt.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.PatchOperationKind;
import dev.molt.api.v1.PatchOperationState;
import dev.molt.api.v1.UpgradeState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The journal's states as Prometheus label values. */
class ResultLabelsTest {

    @Test
    void theFourEndsOfAnUpgradeAreItsResults() {
        assertThat(ResultLabels.upgradeResult(UpgradeState.DONE)).contains("done");
        assertThat(ResultLabels.upgradeResult(UpgradeState.ABORTED)).contains("aborted");
        assertThat(ResultLabels.upgradeResult(UpgradeState.ROLLED_BACK)).contains("rolled_back");
        assertThat(ResultLabels.upgradeResult(UpgradeState.FAILED)).contains("failed");
        assertThat(ResultLabels.upgradeResult(UpgradeState.DUMPING)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = UpgradeState.class, mode = EnumSource.Mode.EXCLUDE, names = {"UPGRADE_STATE_UNSPECIFIED", "UNRECOGNIZED"})
    void everyUpgradeStateIsEitherAResultOrAStateInProgressWithALabelListed(UpgradeState state) {
        var result = ResultLabels.upgradeResult(state);
        var inProgress = ResultLabels.upgradeInProgress(state);
        assertThat(result.isPresent()).as("exactly one of result and in-progress for " + state).isNotEqualTo(inProgress.isPresent());
        result.ifPresent(r -> assertThat(ResultLabels.UPGRADE_RESULTS).contains(r));
        inProgress.ifPresent(s -> assertThat(ResultLabels.UPGRADE_STATES_IN_PROGRESS).contains(s));
    }

    @Test
    void aLivepatchResultDropsThePrefix() {
        assertThat(ResultLabels.livepatchResult(PatchOperationState.PATCH_REVERSAL_STUCK)).contains("reversal_stuck");
        assertThat(ResultLabels.livepatchResult(PatchOperationState.PATCH_TRANSITION)).isEmpty();
        assertThat(ResultLabels.livepatchKind(PatchOperationKind.PATCH_REVERT)).isEqualTo("revert");
    }

    @ParameterizedTest
    @EnumSource(value = PatchOperationState.class, names = {"PATCH_COMPLETED", "PATCH_REVERSED", "PATCH_REVERSAL_STUCK", "PATCH_FORCED", "PATCH_FAILED"})
    void everyEndOfALivepatchIsAListedResult(PatchOperationState state) {
        assertThat(ResultLabels.livepatchResult(state)).hasValueSatisfying(r -> assertThat(ResultLabels.LIVEPATCH_RESULTS).contains(r));
    }
}
