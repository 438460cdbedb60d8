/**
 * The one RocksDB database on the store's disk. {@code MoltStore} owns every RocksDB handle
 * (column families for the journal, its index, snapshot manifests and chunks) and hands out the
 * {@link dev.molt.snapshot.SnapshotStore} and {@link dev.molt.journal.Journal} views over it.
 */
package dev.molt.store;
