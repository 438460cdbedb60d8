package dev.molt.store;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;

/**
 * Builds every RocksDB option object Molt uses. It creates them and hands them over: the caller
 * ({@link MoltStore}) owns and closes each one. The values are pinned by {@code
 * StoreOptionsDriftTest}, which compares every getter against a checked-in list so that a
 * rocksdbjni upgrade cannot change a default under us unnoticed.
 *
 * <p>Why these values:
 *
 * <ul>
 *   <li>Chunks are 1 MiB values written once and read once: they go to blob files ({@code
 *       enable_blob_files}), so compaction moves only keys, never the image bytes. Blob GC is off
 *       during normal work (it would rewrite live chunks at every compaction) and switched on
 *       only inside {@code collectGarbage}.
 *   <li>Blobs are LZ4-compressed: CRIU page images are a mix of zero and random pages; LZ4 shrinks
 *       the first to almost nothing and gives up fast on the second (measured in {@code
 *       PersistBenchmark}).
 *   <li>Chunk data skips the WAL and is made durable by flushing the chunk family's write
 *       buffers. They are 16 MiB, up to 8 of them: small enough that flushing starts early and
 *       runs beside the writer, so that commit waits for at most one small buffer; many enough
 *       that the writer rarely stalls. 64 MiB buffers made commit wait 0.1-0.6 s longer for 256
 *       MiB (PersistBenchmark).
 *   <li>{@code avoid_flush_during_shutdown}: WAL-less chunk data still in memory at close is by
 *       construction uncommitted (commit flushes first), so it is dropped instead of written.
 *   <li>{@code allow_fallocate} off: RocksDB would otherwise preallocate WAL and table files by
 *       their target size, which on a nearly full or small (tmpfs) disk takes space the journal
 *       needs.
 *   <li>{@code max_background_jobs} 8, which RocksDB splits into 2 flush and 6 compaction
 *       threads: flushing (LZ4 plus the copy into the page cache) is the bottleneck of a writer
 *       (perf: ~48% of all CPU samples on the one flush thread), and two flush threads gave
 *       5-7% more throughput in paired PersistBenchmark runs and up to 1.5x in a persist-only
 *       loop. Compactions move keys only and stay small.
 *   <li>Blob compression LZ4 against none, paired PersistBenchmark runs: 636-660 against
 *       606-608 MiB/s, and 160 against 255 MiB on disk for 256 MiB of images.
 *   <li>{@code bytes_per_sync} 1 MiB: table and blob files are written back while they are
 *       written, so the fsync at the end of a flush finds little left to do.
 * </ul>
 */
final class StoreOptions {

    static final long CHUNK_WRITE_BUFFER_BYTES = 16L << 20;
    static final int CHUNK_WRITE_BUFFERS = 8;
    static final long SMALL_WRITE_BUFFER_BYTES = 4L << 20;
    static final long MIN_BLOB_BYTES = 64L << 10;
    static final long BLOB_FILE_BYTES = 128L << 20;
    static final long BLOCK_CACHE_BYTES = 16L << 20;
    static final int BLOOM_BITS_PER_KEY = 10;

    private StoreOptions() {}

    static Cache blockCache() {
        return new LRUCache(BLOCK_CACHE_BYTES);
    }

    static Filter bloomFilter() {
        return new BloomFilter(BLOOM_BITS_PER_KEY);
    }

    static DBOptions database(boolean readOnly) {
        return new DBOptions()
                .setCreateIfMissing(!readOnly)
                .setCreateMissingColumnFamilies(!readOnly)
                .setMaxBackgroundJobs(8)
                .setAvoidFlushDuringShutdown(true)
                .setAllowFAllocate(false)
                .setBytesPerSync(1L << 20)
                .setMaxTotalWalSize(64L << 20)
                .setKeepLogFileNum(3)
                .setMaxLogFileSize(4L << 20)
                .setInfoLogLevel(InfoLogLevel.INFO_LEVEL)
                .setParanoidChecks(true);
    }

    /** Options of one family; the table config refers to the shared cache and filter. */
    static ColumnFamilyOptions family(Family family, Cache blockCache, Filter bloomFilter) {
        var table = new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                .setFilterPolicy(bloomFilter)
                .setBlockSize(16 << 10);
        var options = new ColumnFamilyOptions()
                .setTableFormatConfig(table)
                .setCompactionStyle(CompactionStyle.LEVEL)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setLevelCompactionDynamicLevelBytes(true);
        if (family == Family.CHUNKS) {
            options.setWriteBufferSize(CHUNK_WRITE_BUFFER_BYTES)
                    .setMaxWriteBufferNumber(CHUNK_WRITE_BUFFERS)
                    .setEnableBlobFiles(true)
                    .setMinBlobSize(MIN_BLOB_BYTES)
                    .setBlobFileSize(BLOB_FILE_BYTES)
                    .setBlobCompressionType(CompressionType.LZ4_COMPRESSION)
                    .setEnableBlobGarbageCollection(false);
        } else {
            options.setWriteBufferSize(SMALL_WRITE_BUFFER_BYTES).setMaxWriteBufferNumber(2);
        }
        return options;
    }
}
