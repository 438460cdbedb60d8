package dev.molt.upgrade;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.TargetKernel;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import org.junit.jupiter.api.Test;

/** A malformed upgrade is refused before anything runs, naming the field. */
class PreflightValidationTest {

    static UpgradeSpec.Builder restartOf(Workload w) {
        return UpgradeSpec.newBuilder().addWorkloads(w).setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART);
    }

    @Test
    void aWellFormedSpecPasses() {
        assertThatCode(() -> Preflight.validate(restartOf(Workload.newBuilder().setPid(10).build()).build())).doesNotThrowAnyException();
    }

    @Test
    void noWorkloadIsRefused() {
        assertThatThrownBy(() -> Preflight.validate(UpgradeSpec.newBuilder().setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART).build()))
                .isInstanceOf(UpgradeException.InvalidArgument.class).hasMessageContaining("spec.workloads");
    }

    @Test
    void aWorkloadWithoutSelectorOrWithANegativePidIsRefused() {
        assertThatThrownBy(() -> Preflight.validate(restartOf(Workload.getDefaultInstance()).build()))
                .hasMessageContaining("spec.workloads[0]");
        assertThatThrownBy(() -> Preflight.validate(restartOf(Workload.newBuilder().setPid(-3).build()).build()))
                .hasMessageContaining("spec.workloads[0].pid");
    }

    @Test
    void kexecNeedsAbsoluteNormalizedKernelAndInitrdPaths() {
        UpgradeSpec.Builder kexec = restartOf(Workload.newBuilder().setPid(10).build()).setSwitchMethod(SwitchMethod.SWITCH_METHOD_KEXEC);
        assertThatThrownBy(() -> Preflight.validate(kexec.build())).hasMessageContaining("spec.target.kernel_path");
        assertThatThrownBy(() -> Preflight.validate(kexec.setTarget(TargetKernel.newBuilder()
                        .setKernelPath("/boot/../etc/shadow").setInitrdPath("/boot/initrd")).build()))
                .hasMessageContaining("'..'");
        assertThatThrownBy(() -> Preflight.validate(kexec.setTarget(TargetKernel.newBuilder()
                        .setKernelPath("vmlinuz").setInitrdPath("/boot/initrd")).build()))
                .hasMessageContaining("absolute");
    }

    @Test
    void anUnspecifiedSwitchIsRefused() {
        assertThatThrownBy(() -> Preflight.validate(UpgradeSpec.newBuilder().addWorkloads(Workload.newBuilder().setPid(1)).build()))
                .hasMessageContaining("spec.switch_method");
    }
}
