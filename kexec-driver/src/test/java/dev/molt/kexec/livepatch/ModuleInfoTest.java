package dev.molt.kexec.livepatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleInfoTest {
    @TempDir
    Path dir;

    @Test
    void readsNameKernelReleaseLivepatchFlagDependenciesAndEquivalentFromModinfo() throws Exception {
        Path ko = ElfModules.write(dir.resolve("fix.ko"), List.of("molt_equivalent=6.1.0-57-amd64", "livepatch=Y",
                "description=a fix", "depends=molt_lp_target,other", "name=molt_lp_target_fix",
                "vermagic=6.1.0-56-amd64 SMP preempt mod_unload modversions "));

        ModuleInfo info = ModuleInfo.read(ko);

        assertThat(info.name()).isEqualTo("molt_lp_target_fix");
        assertThat(info.release()).isEqualTo("6.1.0-56-amd64");
        assertThat(info.vermagic()).isEqualTo("6.1.0-56-amd64 SMP preempt mod_unload modversions");
        assertThat(info.livepatch()).isTrue();
        assertThat(info.depends()).containsExactly("molt_lp_target", "other");
        assertThat(info.equivalent()).contains("6.1.0-57-amd64");
        assertThat(info.fields()).containsEntry("description", "a fix");
    }

    @Test
    void anOrdinaryModuleIsNoLivepatchAndHasNoDependencies() throws Exception {
        Path ko = ElfModules.write(dir.resolve("plain.ko"), List.of("depends=", "name=plain", "vermagic=6.1.0-50-amd64 SMP"));

        ModuleInfo info = ModuleInfo.read(ko);

        assertThat(info.livepatch()).isFalse();
        assertThat(info.depends()).isEmpty();
        assertThat(info.equivalent()).isEmpty();
        assertThat(info.release()).isEqualTo("6.1.0-50-amd64");
    }

    @Test
    void refusesFilesThatAreNoModules() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.ko"), "not an ELF file at all, but long enough to have a header".repeat(2));
        assertThatThrownBy(() -> ModuleInfo.read(text)).isInstanceOf(LivepatchException.class)
                .hasMessageContaining("not an ELF file")
                .extracting(e -> ((LivepatchException) e).reason()).isEqualTo(LivepatchException.Reason.INVALID_MODULE);

        Path noName = ElfModules.write(dir.resolve("noname.ko"), List.of("vermagic=6.1.0-56-amd64 SMP"));
        assertThatThrownBy(() -> ModuleInfo.read(noName)).hasMessageContaining("no name=");

        Path noVermagic = ElfModules.write(dir.resolve("novm.ko"), List.of("name=x"));
        assertThatThrownBy(() -> ModuleInfo.read(noVermagic)).hasMessageContaining("no vermagic=");

        assertThatThrownBy(() -> ModuleInfo.read(dir.resolve("fix.ko.xz"))).hasMessageContaining("compressed");
        assertThatThrownBy(() -> ModuleInfo.read(dir.resolve("missing.ko"))).hasMessageContaining("cannot read");
    }

    @Test
    void refusesATruncatedSectionTable() throws Exception {
        Path ko = ElfModules.write(dir.resolve("t.ko"), List.of("name=t", "vermagic=6.1.0-56-amd64"));
        byte[] bytes = Files.readAllBytes(ko);
        Files.write(ko, java.util.Arrays.copyOf(bytes, bytes.length - 100));

        assertThatThrownBy(() -> ModuleInfo.read(ko)).hasMessageContaining("section header table is truncated");
    }
}
