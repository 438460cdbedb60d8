package dev.molt.store;

import java.nio.charset.StandardCharsets;

/** The column families of Molt's one database, in the order they are opened. */
enum Family {
    /** RocksDB's mandatory family; holds nothing of Molt's yet. */
    DEFAULT("default"),
    /** Journal records (key: stream name, 0x00, big-endian sequence) and the stream registry. */
    JOURNAL("journal"),
    /** The journal's small key-value index (request ids, the active upgrade). */
    JOURNAL_INDEX("journal-index"),
    /** One encoded manifest per committed snapshot, keyed by snapshot id. */
    MANIFESTS("manifests"),
    /** Content-addressed chunk data plus a small ledger entry per chunk (see {@link ChunkKeys}). */
    CHUNKS("chunks");

    private final String rocksName;

    Family(String rocksName) {
        this.rocksName = rocksName;
    }

    String rocksName() {
        return rocksName;
    }

    byte[] nameBytes() {
        return rocksName.getBytes(StandardCharsets.UTF_8);
    }
}
