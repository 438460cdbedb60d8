package dev.molt.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.ChangeDecision;
import dev.molt.kexec.livepatch.LivepatchException;
import dev.molt.kexec.livepatch.ModuleInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChangePlannerTest {
    static final String RUNNING = "6.1.0-56-amd64";
    static final String TO = "6.1.0-57-amd64";
    final ChangePlanner planner = new ChangePlanner();

    static ChangePlanner.Offered module(String name, String builtFor, boolean livepatch, String equivalent) {
        return new ChangePlanner.Offered("/lp/" + name + ".ko", new ModuleInfo(Path.of("/lp/" + name + ".ko"), name,
                builtFor + " SMP preempt mod_unload modversions", livepatch, List.of(), Optional.ofNullable(equivalent), Map.of()),
                null);
    }

    ChangeDecision decide(List<ChangePlanner.Offered> offered) {
        return planner.decide(RUNNING, true, List.of(), TO, offered);
    }

    @Test
    void aLivepatchBuiltForTheRunningKernelThatCarriesTheReleaseIsChosen() {
        ChangeDecision d = decide(List.of(module("fix", RUNNING, true, TO)));

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.LIVEPATCH);
        assertThat(d.getLivepatchModulesList()).containsExactly("/lp/fix.ko");
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("built for the running kernel " + RUNNING + " that carries the fixes of " + TO));
    }

    @Test
    void aModuleBuiltForAnotherKernelMeansAFullUpgrade() {
        ChangeDecision d = decide(List.of(module("fix", "6.1.0-50-amd64", true, TO)));

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.FULL_UPGRADE);
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("built for kernel 6.1.0-50-amd64"));
    }

    @Test
    void noModuleMeansAFullUpgrade() {
        ChangeDecision d = decide(List.of());

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.FULL_UPGRADE);
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("no livepatch module was offered"));
    }

    @Test
    void aModuleForAnotherReleaseOrWithoutEquivalentOrNoLivepatchIsNotTaken() {
        ChangeDecision d = decide(List.of(module("other", RUNNING, true, "6.1.0-58-amd64"), module("silent", RUNNING, true, null),
                module("plain", RUNNING, false, null)));

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.FULL_UPGRADE);
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("carries the fixes of 6.1.0-58-amd64, not of " + TO))
                .anyMatch(r -> r.contains("no molt_equivalent"))
                .anyMatch(r -> r.contains("is not a livepatch"));
    }

    @Test
    void anotherKernelSeriesNeedsAFullUpgradeWhateverTheModulesSay() {
        ChangeDecision d = planner.decide(RUNNING, true, List.of(), "7.2.12+deb14-amd64",
                List.of(module("fix", RUNNING, true, "7.2.12+deb14-amd64")));

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.FULL_UPGRADE);
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("another kernel series") && r.contains("6.1 -> 7.2"));
    }

    @Test
    void aKernelWithoutLivepatchSupportNeedsAFullUpgrade() {
        ChangeDecision d = planner.decide(RUNNING, false, List.of(), TO, List.of(module("fix", RUNNING, true, TO)));

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.FULL_UPGRADE);
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("no livepatch support"));
    }

    @Test
    void theRunningReleaseNeedsNothing() {
        assertThat(planner.decide(RUNNING, true, List.of(), RUNNING, List.of()).getPath()).isEqualTo(ChangeDecision.Path.NOTHING);
    }

    @Test
    void aFixThatIsAlreadyLiveNeedsNothing() {
        ChangeDecision d = planner.decide(RUNNING, true, List.of("fix"), TO, List.of(module("fix", RUNNING, true, TO)));

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.NOTHING);
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("already live"));
    }

    @Test
    void anUnreadableModuleIsAReasonNotAFailure() {
        ChangeDecision d = decide(List.of(ChangePlanner.Offered.read("/lp/missing.ko", p -> {
            throw new LivepatchException(LivepatchException.Reason.INVALID_MODULE, "cannot read the module /lp/missing.ko");
        })));

        assertThat(d.getPath()).isEqualTo(ChangeDecision.Path.FULL_UPGRADE);
        assertThat(d.getReasonsList()).anyMatch(r -> r.contains("cannot read the module /lp/missing.ko"));
    }

    @Test
    void seriesIsMajorDotMinor() {
        assertThat(ChangePlanner.series("6.1.0-56-amd64")).isEqualTo("6.1");
        assertThat(ChangePlanner.series("7.2.12+deb14-amd64")).isEqualTo("7.2");
    }
}
