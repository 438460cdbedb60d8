package dev.molt.upgrade;

import dev.molt.criu.CriuCatalog;
import dev.molt.criu.CriuFeature;
import dev.molt.criu.CriuVersion;
import dev.molt.criu.KernelRelease;
import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CheckResponse;
import dev.molt.criu.v1.CriuAdapterGrpc.CriuAdapterBlockingStub;
import dev.molt.journal.v1.CriuChoice;
import java.util.concurrent.TimeUnit;

/**
 * Which CRIU dumps (the daemon's, through the adapter) and which restores on an upgrade's target
 * kernel (chosen from the {@link CriuCatalog} by what that kernel needs). Preflight refuses a target
 * no installed CRIU suits; the upgrade journals both choices and plans the boot's restore with the
 * restoring one.
 */
public final class CriuChoices {
    private final java.util.function.Supplier<CriuCatalog> catalog;
    private final CriuAdapterBlockingStub criu;

    /**
     * @param catalog looked up at each choice: a CRIU staged or removed while the daemon runs
     *     counts at the next preflight (a directory listing and one {@code criu --version})
     */
    public CriuChoices(java.util.function.Supplier<CriuCatalog> catalog, CriuAdapterBlockingStub criu) {
        this.catalog = catalog;
        this.criu = criu;
    }

    public CriuCatalog catalog() {
        return catalog.get();
    }

    /** The adapter's CRIU: the one that dumps on the running kernel. */
    public CriuChoice daemons() {
        CheckResponse r = criu.withDeadlineAfter(60, TimeUnit.SECONDS).check(CheckRequest.newBuilder().setFull(false).build());
        return CriuChoice.newBuilder()
                .setVersion(r.getCriuVersion())
                .setPath(r.getCriuPath())
                .setReason("the daemon's CRIU, chosen for " + HostInfo.kernelRelease() + " at its start")
                .build();
    }

    /** The CRIU to restore on {@code kernel} what {@code dumpedBy} dumped. */
    public CriuCatalog.Selection restoring(String kernel, CriuChoice dumpedBy) {
        return catalog.get().forKernel(KernelRelease.parse(kernel),
                dumpedBy.getVersion().isEmpty() ? null : CriuVersion.parse(dumpedBy.getVersion()));
    }

    /** The journal's form of a choice. */
    public static CriuChoice toProto(CriuCatalog.Selection.Chosen chosen) {
        return CriuChoice.newBuilder()
                .setVersion(chosen.criu().version().toString())
                .setPath(chosen.criu().binary().path().toString())
                .setReason(chosen.explanation())
                .build();
    }

    /** True when that CRIU waits at its start for a seeded random generator (see the boot hook). */
    public static boolean waitsForSeed(CriuChoice choice) {
        return !choice.getVersion().isEmpty()
                && CriuFeature.WAITS_FOR_SEEDED_RANDOM.availableIn(CriuVersion.parse(choice.getVersion()));
    }

    /** "4.2.1 /path" for the stop report; empty when unknown. */
    public static String describe(CriuChoice choice) {
        return choice.getVersion().isEmpty() ? "" : choice.getVersion() + " " + choice.getPath();
    }
}
