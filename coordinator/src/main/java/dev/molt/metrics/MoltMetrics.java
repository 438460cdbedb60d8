package dev.molt.metrics;

import dev.molt.livepatch.LivepatchJournal;
import dev.molt.store.MoltStore;
import dev.molt.upgrade.UpgradeJournal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * moltd's meters over its store, brought up to date from the journal before each scrape. Built
 * once per daemon start: the first read of the journal seeds the counters and histograms with the
 * whole history, so they continue across restarts (docs/metrics.md lists every metric).
 */
public final class MoltMetrics {
    static final String BUILD_INFO = "molt.build.info";

    /** The registry's text and its content type. */
    public record Scrape(String contentType, byte[] body) {}

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JournalHistory history;
    private final UpgradeMeters upgrades;
    private final LivepatchMeters livepatches;
    private final UpgradeInProgress inProgress;

    private MoltMetrics(JournalHistory history) {
        this.history = history;
        this.upgrades = new UpgradeMeters(registry);
        this.livepatches = new LivepatchMeters(registry);
        this.inProgress = new UpgradeInProgress(registry);
    }

    /**
     * The meters of this store, seeded from its journal.
     *
     * @param version Molt's version, for {@code molt_build_info}
     * @param kernel the running kernel's release, for {@code molt_build_info}
     */
    public static MoltMetrics of(MoltStore store, String version, String kernel) {
        // The journals are only read here: the clock they take is for writes.
        Clock clock = Clock.systemUTC();
        MoltMetrics metrics = new MoltMetrics(new JournalHistory(
                new UpgradeJournal(store.journal(), clock), new LivepatchJournal(store.journal(), clock)));
        StoreMeters.register(metrics.registry, store);
        Gauge.builder(BUILD_INFO, () -> 1)
                .description("Always 1: the running moltd's version and kernel release, as labels")
                .tag("version", version)
                .tag("kernel", kernel)
                .register(metrics.registry);
        metrics.refresh();
        return metrics;
    }

    /** Reads what ended since the last look into the meters. */
    synchronized void refresh() {
        JournalHistory.News news = history.readNew();
        news.upgrades().forEach(upgrades::record);
        news.livepatches().forEach(livepatches::record);
        inProgress.set(history.upgradeInProgress());
    }

    /** Brings the meters up to date, then renders them in the format the Accept header asks for. */
    public synchronized Scrape scrape(String accept) {
        refresh();
        ExpositionFormat format = ExpositionFormat.forAccept(accept);
        return new Scrape(format.contentType(), registry.scrape(format.contentType()).getBytes(StandardCharsets.UTF_8));
    }
}
