package dev.molt.metrics;

import dev.molt.store.MoltStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The store's size on disk and the room left beside it, measured at each scrape. */
final class StoreMeters {
    static final String SIZE = "molt.store.size";
    static final String FREE = "molt.store.free";

    private StoreMeters() {}

    static void register(MeterRegistry registry, MoltStore store) {
        Gauge.builder(SIZE, store, MoltStore::usedBytes)
                .description("Bytes of the store's files on disk (tables, blob files, logs): snapshots, journal, audit log")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder(FREE, store, MoltStore::freeBytes)
                .description("Bytes free to moltd on the filesystem that holds the store")
                .baseUnit("bytes")
                .register(registry);
    }
}
