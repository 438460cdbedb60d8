package dev.molt.store;

import dev.molt.snapshot.SnapshotException;
import dev.molt.snapshot.SnapshotStore.FileEntry;
import dev.molt.snapshot.SnapshotStore.Manifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The stored form of a manifest. Version 1, all integers big-endian:
 *
 * <pre>
 *   int    magic 0x4D4F4C54 ("MOLT")     short version (1)
 *   string id                            long  createdAtMillis
 *   int    label count, then per label:  string key, string value (sorted by key)
 *   int    file count, then per file:    string name, long size, int mode,
 *                                        int chunk count, 32 bytes SHA-256 per chunk
 *   long   imageBytes                    long  storedBytes
 *   int    CRC32C of everything before it
 * </pre>
 *
 * A string is an int byte length and that many UTF-8 bytes. A reader that meets an unknown
 * version refuses the manifest instead of guessing.
 */
final class ManifestCodec {

    static final int MAGIC = 0x4D4F4C54;
    static final short VERSION = 1;

    private ManifestCodec() {}

    static byte[] encode(Manifest manifest) {
        var bytes = new ByteArrayOutputStream(256);
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            writeString(out, manifest.id());
            out.writeLong(manifest.createdAtMillis());
            var labels = new TreeMap<>(manifest.labels());
            out.writeInt(labels.size());
            for (var label : labels.entrySet()) {
                writeString(out, label.getKey());
                writeString(out, label.getValue());
            }
            out.writeInt(manifest.files().size());
            for (FileEntry file : manifest.files()) {
                writeString(out, file.name());
                out.writeLong(file.size());
                out.writeInt(file.mode());
                out.writeInt(file.chunkKeys().size());
                for (String key : file.chunkKeys()) {
                    out.write(ChunkKeys.digest(key));
                }
            }
            out.writeLong(manifest.imageBytes());
            out.writeLong(manifest.storedBytes());
            var crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** Decodes a stored manifest; {@code key} is the id it is stored under, for messages. */
    static Manifest decode(String key, byte[] stored) throws SnapshotException.Corrupt {
        if (stored.length < Integer.BYTES * 2 + Short.BYTES) {
            throw corrupt(key, "only " + stored.length + " bytes");
        }
        var crc = new CRC32C();
        crc.update(stored, 0, stored.length - Integer.BYTES);
        int expected = ByteBuffer.wrap(stored, stored.length - Integer.BYTES, Integer.BYTES).getInt();
        if ((int) crc.getValue() != expected) {
            throw corrupt(key, "CRC32C mismatch");
        }
        try (var in = new DataInputStream(new ByteArrayInputStream(stored))) {
            if (in.readInt() != MAGIC) {
                throw corrupt(key, "bad magic number");
            }
            short version = in.readShort();
            if (version != VERSION) {
                throw corrupt(key, "format version " + version + ", this Molt reads only version "
                        + VERSION + "; use the Molt release that wrote it");
            }
            String id = readString(in, stored.length);
            long createdAt = in.readLong();
            int labelCount = count(in, stored.length, key);
            var labels = new TreeMap<String, String>();
            for (int i = 0; i < labelCount; i++) {
                labels.put(readString(in, stored.length), readString(in, stored.length));
            }
            int fileCount = count(in, stored.length, key);
            var files = new ArrayList<FileEntry>(fileCount);
            for (int i = 0; i < fileCount; i++) {
                String name = readString(in, stored.length);
                long size = in.readLong();
                int mode = in.readInt();
                int chunkCount = count(in, stored.length, key);
                var chunks = new ArrayList<String>(chunkCount);
                byte[] digest = new byte[ChunkKeys.DIGEST_BYTES];
                for (int c = 0; c < chunkCount; c++) {
                    in.readFully(digest);
                    chunks.add(ChunkKeys.hex(digest));
                }
                files.add(new FileEntry(name, size, mode, List.copyOf(chunks)));
            }
            long imageBytes = in.readLong();
            long storedBytes = in.readLong();
            return new Manifest(id, createdAt, Collections.unmodifiableMap(labels),
                    List.copyOf(files), imageBytes, storedBytes);
        } catch (SnapshotException.Corrupt e) {
            throw e;
        } catch (IOException e) {
            throw corrupt(key, "truncated (" + e.getMessage() + ")");
        }
    }

    /** The same manifest with labels in a stable order and immutable lists. */
    static Manifest normalized(Manifest m) {
        Map<String, String> labels = Collections.unmodifiableMap(new TreeMap<>(m.labels()));
        return new Manifest(m.id(), m.createdAtMillis(), labels, List.copyOf(m.files()),
                m.imageBytes(), m.storedBytes());
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in, int limit) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > limit) {
            throw new IOException("string length " + length);
        }
        byte[] utf8 = in.readNBytes(length);
        if (utf8.length != length) {
            throw new IOException("string cut short");
        }
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static int count(DataInputStream in, int limit, String key) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw corrupt(key, "impossible count " + n);
        }
        return n;
    }

    private static SnapshotException.Corrupt corrupt(String key, String what) {
        return new SnapshotException.Corrupt("manifest of snapshot " + key + " is unreadable: "
                + what + "; the snapshot must not be restored");
    }
}
