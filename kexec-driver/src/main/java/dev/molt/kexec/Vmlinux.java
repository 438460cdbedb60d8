package dev.molt.kexec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * The uncompressed kernel (an ELF vmlinux) inside a bzImage: its compressed payload, found by the
 * boot header's payload_offset and payload_length (boot protocol 2.08+), decompressed.
 *
 * <p>Why: entering an ELF kernel skips the bzImage's self-decompression, which is the first thing
 * a kexec'd kernel does and, measured in the TCG guest, ~1.6 s of the stop (FIELD-NOTES). The
 * extraction runs before parking and is cached per image.
 */
public final class Vmlinux {
    static final int PAYLOAD_OFFSET = 0x248;
    static final int PAYLOAD_LENGTH = 0x24c;
    private static final byte[] ELF = {0x7f, 'E', 'L', 'F'};

    private Vmlinux() {
    }

    /** The compression of a payload, by its magic bytes, and the tool that undoes it. */
    enum Compression {
        GZIP(new byte[] {0x1f, (byte) 0x8b}, List.of()),
        XZ(new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}, List.of("xz", "-dc", "--single-stream")),
        ZSTD(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, List.of("zstd", "-dcq"));

        final byte[] magic;
        final List<String> command;

        Compression(byte[] magic, List<String> command) {
            this.magic = magic;
            this.command = command;
        }

        static Compression of(Path path, byte[] payload) throws KernelImageException {
            for (Compression c : values()) {
                if (payload.length >= c.magic.length && java.util.Arrays.equals(payload, 0, c.magic.length, c.magic, 0, c.magic.length)) {
                    return c;
                }
            }
            throw new KernelImageException(path, String.format("the bzImage's payload starts with %s: not gzip, xz or zstd,"
                    + " so Molt cannot cut an ELF kernel out of it; use the default loader", HexFormat.of().formatHex(payload, 0, Math.min(8, payload.length))));
        }
    }

    /**
     * The ELF kernel of {@code kernel}, extracted into {@code cacheDir} unless an extraction of the
     * same payload is there already.
     */
    public static Path extract(KernelImage kernel, Path cacheDir) throws KernelImageException {
        byte[] image;
        try {
            image = Files.readAllBytes(kernel.path());
        } catch (IOException e) {
            throw new KernelImageException(kernel.path(), "cannot be read: " + e.getMessage(), e);
        }
        byte[] payload = payload(kernel.path(), image);
        Compression compression = Compression.of(kernel.path(), payload);
        Path target = cacheDir.resolve("vmlinux-" + (kernel.release().isEmpty() ? "unknown" : kernel.release().split(" ")[0])
                + "-" + sha256(payload).substring(0, 16));
        if (Files.isRegularFile(target)) {
            return target;
        }
        try {
            Files.createDirectories(cacheDir);
            Path tmp = Files.createTempFile(cacheDir, "vmlinux", ".partial");
            try {
                decompress(compression, payload, tmp);
                checkElf(tmp, kernel.path());
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new KernelImageException(kernel.path(), "cannot extract its ELF kernel into " + cacheDir
                    + ": " + e.getMessage(), e);
        }
        return target;
    }

    /** The compressed payload, as the boot header bounds it. */
    static byte[] payload(Path path, byte[] image) throws KernelImageException {
        if (image.length < PAYLOAD_LENGTH + 4) {
            throw new KernelImageException(path, "too short for a boot header with a payload");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int setupSects = Byte.toUnsignedInt(image[KernelImage.SETUP_SECTS]);
        long start = (long) ((setupSects == 0 ? 4 : setupSects) + 1) * 512 + Integer.toUnsignedLong(b.getInt(PAYLOAD_OFFSET));
        long length = Integer.toUnsignedLong(b.getInt(PAYLOAD_LENGTH));
        if (length == 0 || start + length > image.length) {
            throw new KernelImageException(path, "the boot header's payload (" + length + " bytes at " + start
                    + ") does not lie inside the file of " + image.length + " bytes");
        }
        return java.util.Arrays.copyOfRange(image, (int) start, (int) (start + length));
    }

    private static void decompress(Compression compression, byte[] payload, Path out) throws IOException {
        if (compression == Compression.GZIP) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(payload)); OutputStream o = Files.newOutputStream(out)) {
                in.transferTo(o);
            }
            return;
        }
        // The kernel's build appends the uncompressed size (4 bytes) after the stream: zstd would
        // read it as a broken frame, xz's --single-stream stops before it.
        byte[] stream = compression == Compression.ZSTD ? java.util.Arrays.copyOf(payload, payload.length - 4) : payload;
        Process p;
        try {
            p = new ProcessBuilder(compression.command).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.PIPE).start();
        } catch (IOException e) {
            throw new IOException("the payload is " + compression.name().toLowerCase(java.util.Locale.ROOT) + " and "
                    + compression.command.getFirst() + " cannot be run (" + e.getMessage() + "): install it", e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(stream);
        }
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", compression.command) + " did not finish in 5 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while decompressing", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", compression.command) + " exited " + p.exitValue() + ": " + err.strip());
        }
    }

    private static void checkElf(Path file, Path from) throws IOException {
        byte[] head = new byte[20];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length || !java.util.Arrays.equals(head, 0, 4, ELF, 0, 4)) {
                throw new IOException("what the payload of " + from + " decompressed to is not an ELF file");
            }
        }
        // ELFCLASS64 and EM_X86_64 (62): kexec_load would refuse anything else anyway, less clearly.
        if (head[4] != 2 || (head[18] & 0xff) != 62) {
            throw new IOException("the ELF kernel of " + from + " is not a 64-bit x86 kernel");
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
