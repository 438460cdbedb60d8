package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CriuKernelTableTest {
    private final CriuKernelTable table = CriuKernelTable.standard();

    @Test
    void bookworms_6_1_kernels_take_criu_3_17_1() {
        var need = table.forKernel(KernelRelease.parse("6.1.0-50-amd64"));
        assertThat(need.minimum()).isEqualTo(CriuVersion.parse("3.17.1"));
        assertThat(need.row().measured()).contains("6.1.176");
    }

    @Test
    void forkys_7_2_needs_criu_4_2_1_because_3_17_1_cannot_restore_there() {
        var need = table.forKernel(KernelRelease.parse("7.2.12+deb14-amd64"));
        assertThat(need.minimum()).isEqualTo(CriuVersion.parse("4.2.1"));
        assertThat(need.row().measured()).contains("7.2.12").contains("3.17.1 stops");
        assertThat(need.satisfiedBy(CriuVersion.parse("3.17.1"), null)).isFalse();
        assertThat(need.satisfiedBy(CriuVersion.parse("4.2.1"), null)).isTrue();
    }

    @Test
    void images_of_3_17_1_restore_with_4_2_1_but_not_the_other_way_round() {
        var onOld = table.forKernel(KernelRelease.parse("6.1.0-50-amd64"));
        assertThat(onOld.satisfiedBy(CriuVersion.parse("4.2.1"), CriuVersion.parse("3.17.1"))).isTrue();
        assertThat(onOld.satisfiedBy(CriuVersion.parse("3.17.1"), CriuVersion.parse("4.2.1"))).isFalse();
    }

    @Test
    void the_development_hosts_6_18_needs_4_2_1_and_unmeasured_series_assume_the_next_measured_need() {
        assertThat(table.forKernel(KernelRelease.parse("6.18.0-1-amd64")).minimum()).isEqualTo(CriuVersion.parse("4.2.1"));
        var gap = table.forKernel(KernelRelease.parse("6.6.0"));
        assertThat(gap.minimum()).isEqualTo(CriuVersion.parse("4.2.1"));
        assertThat(gap.row().measured()).contains("not measured");
    }

    @Test
    void a_kernel_newer_than_every_row_needs_what_the_last_row_says() {
        assertThat(table.forKernel(KernelRelease.parse("9.0.1")).row().from()).isEqualTo(KernelRelease.parse("7.2"));
    }

    @Test
    void a_malformed_row_is_refused_with_its_line_number() {
        assertThatThrownBy(() -> CriuKernelTable.parse("# c\n6.1 3.17.1 no tabs\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2");
    }

    @Test
    void kernel_releases_order_by_their_numbers_not_their_text() {
        assertThat(KernelRelease.parse("6.10.0")).isGreaterThan(KernelRelease.parse("6.9.5"));
        assertThat(KernelRelease.parse("7.2.12+deb14-amd64").atLeast(7, 2)).isTrue();
        assertThatThrownBy(() -> KernelRelease.parse("amd64")).hasMessageContaining("not a kernel release");
    }
}
