package dev.molt.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The estimated stop from this host's past upgrades, and the margin on top. */
class StopEstimateTest {
    @Test
    void withoutHistoryItIsTheConservativeDefault() {
        StopEstimate e = StopEstimate.from(List.of());

        assertThat(e.stop()).isEqualTo(Duration.ofMinutes(5));
        assertThat(e.margin()).isEqualTo(Duration.ofSeconds(75));
        assertThat(e.needed()).isEqualTo(Duration.ofSeconds(375));
        assertThat(e.explain()).contains("needs 6m15s", "default");
    }

    @Test
    void itIsTheLongestOfTheLastTenDoneUpgradesStops() {
        List<Upgrade> newestFirst = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            newestFirst.add(FakeUpgradeStarter.done("u-" + i, 20_000 + i * 1000));
        }
        newestFirst.add(FakeUpgradeStarter.done("u-old", 600_000)); // the 11th: too old to count
        newestFirst.add(1, Upgrade.newBuilder().setId("u-aborted").setState(UpgradeState.ABORTED).build());

        StopEstimate e = StopEstimate.from(newestFirst);

        assertThat(e.stop()).isEqualTo(Duration.ofSeconds(29));
        assertThat(e.fromHistory()).isEqualTo(10);
        assertThat(e.margin()).as("at least a minute").isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void theMarginIsAQuarterOfALongStop() {
        StopEstimate e = StopEstimate.from(List.of(FakeUpgradeStarter.done("u", 20 * 60_000)));

        assertThat(e.margin()).isEqualTo(Duration.ofMinutes(5));
    }
}
