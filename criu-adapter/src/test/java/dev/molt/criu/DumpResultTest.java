package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The name of CRIU's nftables lock table, from a swrk dump's log. */
class DumpResultTest {

    @TempDir
    Path dir;

    @Test
    void the_table_is_named_after_the_second_run_id_and_cut_to_31_characters() throws Exception {
        Path log = Files.writeString(dir.resolve("dump.log"), """
                (00.000000) CRIU run id = aae7d7fb-ab2e-4a5b-b92a-86ca79a0213d
                (00.000000) CRIU run id = 83e3c3af-2e6c-4f0b-b029-3b090e540f27
                (00.000012) Version: 4.2.1 (gitid 0)
                """);

        assertThat(DumpResult.fromLog(log).networkLockTable()).contains("inet CRIU-83e3c3af-2e6c-4f0b-b0");
    }

    @Test
    void no_run_id_means_no_table_name() throws Exception {
        Path log = Files.writeString(dir.resolve("dump.log"), "(00.000012) Version: 4.2.1\n");

        assertThat(DumpResult.fromLog(log).networkLockTable()).isEmpty();
        assertThat(DumpResult.fromLog(dir.resolve("missing.log")).networkLockTable()).isEmpty();
    }
}
