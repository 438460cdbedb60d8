package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CriuVersionTest {

    @ParameterizedTest
    @CsvSource({"4.2.1, 4, 2, 1, 40201", "4.2, 4, 2, 0, 40200", "3.17.1, 3, 17, 1, 31701", "Version: 4.2.1, 4, 2, 1, 40201"})
    void parses_what_criu_prints(String text, int major, int minor, int sublevel, int code) {
        CriuVersion version = CriuVersion.parse(text);

        assertThat(version).isEqualTo(new CriuVersion(major, minor, sublevel));
        assertThat(version.code()).isEqualTo(code);
    }

    @Test
    void orders_by_major_then_minor_then_sublevel() {
        List<CriuVersion> sorted = List.of("4.2.1", "3.17.1", "4.2", "3.19", "4.10")
                .stream().map(CriuVersion::parse).sorted().toList();

        assertThat(sorted).extracting(CriuVersion::toString)
                .containsExactly("3.17.1", "3.19.0", "4.2.0", "4.2.1", "4.10.0");
        assertThat(CriuVersion.parse("4.2").atLeast(CriuVersion.parse("4.2.0"))).isTrue();
    }

    @Test
    void refuses_what_is_not_a_version_and_says_what_it_expected() {
        assertThatThrownBy(() -> CriuVersion.parse("four"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'four'")
                .hasMessageContaining("MAJOR.MINOR");
    }
}
