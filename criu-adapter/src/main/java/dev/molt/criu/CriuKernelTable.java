package dev.molt.criu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What is known to work, as data: kernel series -> the oldest CRIU that dumps and restores there,
 * each row with the measurement it comes from (resource {@code criu-kernels.tsv}). Molt asks it
 * which CRIU may restore on an upgrade's target kernel and on the kernel it runs on.
 *
 * <p>Images: a CRIU restores images that the same or an older CRIU dumped (measured: 3.17.1's images
 * from 6.1 restore with 4.2.1 on 7.2, 2 of 2 runs; 4.2.1's from 7.2 with 4.2.1 on 6.1, 4 of 4). An
 * older CRIU reading a newer one's images was never measured, so it is not allowed.
 */
public final class CriuKernelTable {

    /** The resource the default table is read from, next to this class. */
    public static final String RESOURCE = "criu-kernels.tsv";

    /**
     * One row: kernels from {@code from} (MAJOR.MINOR) on need at least {@code minimum}.
     *
     * @param measured where the row comes from, as the table says
     */
    public record Row(KernelRelease from, CriuVersion minimum, String measured) {}

    /** What a kernel needs of CRIU, and the row that says so. */
    public record Requirement(KernelRelease kernel, CriuVersion minimum, Row row) {

        /** True when {@code criu} restores on this kernel images that {@code dumpedBy} wrote. */
        public boolean satisfiedBy(CriuVersion criu, CriuVersion dumpedBy) {
            return criu.atLeast(minimum) && (dumpedBy == null || restoresImagesOf(criu, dumpedBy));
        }
    }

    private final List<Row> rows;

    public CriuKernelTable(List<Row> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a CRIU kernel table needs at least one row");
        }
        this.rows = rows.stream().sorted(Comparator.comparing(Row::from)).toList();
    }

    /** The table shipped with Molt. */
    public static CriuKernelTable standard() {
        try (InputStream in = CriuKernelTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the criu-adapter jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("reading resource " + RESOURCE, e);
        }
    }

    /** Reads rows "FROM<TAB>MIN_CRIU<TAB>MEASURED"; '#' starts a comment line. */
    public static CriuKernelTable parse(String text) {
        List<Row> rows = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = lines.readLine()) != null) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 3);
                if (f.length != 3) {
                    throw new IllegalArgumentException("CRIU kernel table line " + n + ": expected FROM<TAB>MIN_CRIU<TAB>MEASURED, got '" + line + "'");
                }
                rows.add(new Row(KernelRelease.parse(f[0]), CriuVersion.parse(f[1]), f[2].strip()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new CriuKernelTable(rows);
    }

    public List<Row> rows() {
        return rows;
    }

    /** What {@code kernel} needs: the last row whose first kernel is not newer than it. */
    public Requirement forKernel(KernelRelease kernel) {
        Row applies = rows.getFirst();
        for (Row row : rows) {
            if (kernel.atLeast(row.from().major(), row.from().minor())) {
                applies = row;
            }
        }
        return new Requirement(kernel, applies.minimum(), applies);
    }

    /** Images are read by the CRIU that wrote them or a newer one (see the class comment). */
    public static boolean restoresImagesOf(CriuVersion restorer, CriuVersion dumper) {
        return restorer.atLeast(dumper);
    }
}
