package dev.molt.criu;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a successful dump left behind.
 *
 * @param logFile CRIU's log of the dump
 * @param networkLockTable the nftables table CRIU made to lock the tree's TCP connections, e.g.
 *     {@code inet CRIU-00538053-45c1-4b2b-a2}. CRIU 4.x makes one on every dump with the nftables
 *     lock; after a dump that killed the tree it stays (holding the connections' tuples, whose
 *     packets it drops) until a restore of these images deletes it. A snapshot that is never
 *     restored leaves it behind; a new kernel after kexec does not have it.
 */
public record DumpResult(Path logFile, Optional<String> networkLockTable) {

    private static final String RUN_ID = "CRIU run id = ";

    /**
     * CRIU names the table {@code inet CRIU-<run id>} in a 32-byte buffer (netfilter.c,
     * nftables_get_table), so the name is cut to 31 characters.
     */
    static final int TABLE_NAME_MAX = 31;

    /**
     * Reads the run id from the first lines of the dump's log. In swrk mode CRIU logs two: one at
     * start and one when the service loop starts; the table is named after the second (measured:
     * it is also the dump_criu_run_id in inventory.img).
     */
    static DumpResult fromLog(Path logFile) {
        Optional<String> runId = Optional.empty();
        try (BufferedReader reader = Files.newBufferedReader(logFile, StandardCharsets.UTF_8)) {
            for (int i = 0; i < 20; i++) {
                String line = reader.readLine();
                if (line == null) {
                    break;
                }
                int at = line.indexOf(RUN_ID);
                if (at >= 0) {
                    runId = Optional.of(line.substring(at + RUN_ID.length()).strip());
                }
            }
        } catch (IOException e) {
            // The dump succeeded; only the table's name is unknown.
        }
        return new DumpResult(logFile, runId.map(id -> {
            String table = "inet CRIU-" + id;
            return table.substring(0, Math.min(table.length(), TABLE_NAME_MAX));
        }));
    }
}
