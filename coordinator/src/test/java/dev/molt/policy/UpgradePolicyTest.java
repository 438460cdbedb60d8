package dev.molt.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.api.v1.UpgradeState;
import dev.molt.scheduler.StopEstimate;
import dev.molt.upgrade.UpgradeException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The configured rules an upgrade must meet to start. */
class UpgradePolicyTest {
    static final StopEstimate NO_HISTORY = StopEstimate.from(List.of());

    static StopEstimate pastStops(long... millis) {
        return StopEstimate.from(java.util.Arrays.stream(millis).mapToObj(m -> Upgrade.newBuilder().setState(UpgradeState.DONE)
                .setStopReport(StopReport.newBuilder().setTotalStopMillis(m)).build()).toList());
    }

    @Test
    void theDefaultPolicyAdmitsEverything() {
        assertThatCode(() -> UpgradePolicy.permissive().admitDirectStart(false, pastStops(3_600_000))).doesNotThrowAnyException();
    }

    @Test
    void requireWindowRefusesADirectStartWhileNoWindowIsOpen() {
        UpgradePolicy policy = new UpgradePolicy(true, Optional.empty(), UpgradePolicy.Livepatch.ALLOW);

        assertThatThrownBy(() -> policy.admitDirectStart(false, NO_HISTORY))
                .isInstanceOfSatisfying(UpgradeException.FailedPrecondition.class, e -> {
                    assertThat(e.type()).isEqualTo("POLICY");
                    assertThat(e.subject()).isEqualTo("policy.require_window");
                })
                .hasMessageContaining("no maintenance window is open now").hasMessageContaining("--in-window");
        assertThatCode(() -> policy.admitDirectStart(true, NO_HISTORY)).doesNotThrowAnyException();
    }

    @Test
    void maxStopRefusesWhenThisHostsPastStopsWereLongerAndLetsTheFirstUpgradeRun() {
        UpgradePolicy policy = new UpgradePolicy(false, Optional.of(Duration.ofSeconds(30)), UpgradePolicy.Livepatch.ALLOW);

        assertThatThrownBy(() -> policy.admitDirectStart(true, pastStops(12_000, 41_000)))
                .isInstanceOfSatisfying(UpgradeException.FailedPrecondition.class,
                        e -> assertThat(e.subject()).isEqualTo("policy.max_stop"))
                .hasMessageContaining("policy.max_stop is 30s").hasMessageContaining("up to 41s (longest of the last 2)");
        assertThatCode(() -> policy.admitStop(pastStops(12_000, 29_000))).doesNotThrowAnyException();
        assertThatCode(() -> policy.admitStop(NO_HISTORY)).doesNotThrowAnyException();
    }

    @Test
    void aPlanCarriesThePolicyCheckAndFailsWhereAStartWouldBeRefused() {
        UpgradePolicy policy = new UpgradePolicy(true, Optional.of(Duration.ofSeconds(30)), UpgradePolicy.Livepatch.NEVER);
        UpgradePlan ok = UpgradePlan.newBuilder().setOk(true).build();

        UpgradePlan closed = new Admission(ProtectedWorkloads.none(), policy, () -> false, () -> NO_HISTORY).withPolicyCheck(ok);
        UpgradePlan open = new Admission(ProtectedWorkloads.none(), policy, () -> true, () -> pastStops(20_000)).withPolicyCheck(ok);

        assertThat(closed.getOk()).isFalse();
        assertThat(closed.getChecks(0).getName()).isEqualTo("policy");
        assertThat(closed.getChecks(0).getDetail()).contains("only in a maintenance window").contains("no maintenance window is open now")
                .contains("livepatch never");
        assertThat(open.getOk()).isTrue();
        assertThat(open.getChecks(0).getDetail()).contains("stop at most 30s (past stops up to 20s)");
    }
}
