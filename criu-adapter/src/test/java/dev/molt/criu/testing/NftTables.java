package dev.molt.criu.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The host's nftables tables, through the nft binary. Tests use it to see CRIU's network-lock
 * table and to remove the ones their own dumps left (a dump that ends its tree keeps its table
 * until a restore; a test that never restores must delete it).
 */
public final class NftTables {

    private NftTables() {}

    /** Whether {@code table} ("inet CRIU-...") exists. */
    public static boolean exists(String table) throws IOException, InterruptedException {
        return run("nft", "list", "tables").lines().anyMatch(line -> line.strip().equals("table " + table));
    }

    /** Deletes {@code table} if it exists. */
    public static void deleteIfPresent(String table) throws IOException, InterruptedException {
        if (exists(table)) {
            String[] parts = table.split(" ", 2);
            run("nft", "delete", "table", parts[0], parts[1]);
        }
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        Process nft = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(nft.getInputStream().readAllBytes());
        if (!nft.waitFor(30, TimeUnit.SECONDS) || nft.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + output);
        }
        return output;
    }
}
