package dev.molt.store;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Keys of the {@link Family#CHUNKS} family. A chunk is named by the SHA-256 of its bytes (as 64
 * lower-case hex characters in manifests), which makes identical chunks, zero-filled ones above
 * all, stored once. Each chunk has two entries, written in one batch:
 *
 * <ul>
 *   <li>{@code 'C' + digest}: the chunk's bytes (a blob-file value);
 *   <li>{@code 'L' + digest}: a 4-byte big-endian length, the ledger. Garbage collection walks
 *       the ledger, whose values are small and inline, instead of reading every chunk.
 * </ul>
 */
final class ChunkKeys {

    static final int DIGEST_BYTES = 32;
    static final byte DATA = 'C';
    static final byte LEDGER = 'L';
    private static final HexFormat HEX = HexFormat.of();

    private ChunkKeys() {}

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    static String hex(byte[] digest) {
        return HEX.formatHex(digest);
    }

    static byte[] digest(String hex) {
        if (hex.length() != DIGEST_BYTES * 2) {
            throw new IllegalArgumentException("chunk key " + hex + " is not 64 hex characters");
        }
        return HEX.parseHex(hex);
    }

    static byte[] dataKey(byte[] digest) {
        return prefixed(DATA, digest);
    }

    static byte[] ledgerKey(byte[] digest) {
        return prefixed(LEDGER, digest);
    }

    static byte[] ledgerValue(int length) {
        return ByteBuffer.allocate(Integer.BYTES).putInt(length).array();
    }

    static int ledgerLength(byte[] value) {
        return ByteBuffer.wrap(value).getInt();
    }

    /** The digest of a ledger or data key. */
    static byte[] digestOf(byte[] key) {
        byte[] digest = new byte[DIGEST_BYTES];
        System.arraycopy(key, 1, digest, 0, DIGEST_BYTES);
        return digest;
    }

    private static byte[] prefixed(byte prefix, byte[] digest) {
        if (digest.length != DIGEST_BYTES) {
            throw new IllegalArgumentException("a chunk digest has 32 bytes, not " + digest.length);
        }
        byte[] key = new byte[1 + DIGEST_BYTES];
        key[0] = prefix;
        System.arraycopy(digest, 0, key, 1, DIGEST_BYTES);
        return key;
    }
}
