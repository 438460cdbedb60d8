package dev.molt.kexec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * An x86 bzImage that kexec_file_load can boot, as read from its setup header (the kernel's
 * Documentation/arch/x86/boot.rst). {@link #inspect} checks, in order: a regular non-empty file,
 * the boot sector signature, the "HdrS" magic, boot protocol 2.12 or later, a bzImage (loaded
 * high), a 64-bit entry point (XLF_KERNEL_64), a file as long as the header declares, and the
 * kernel version string. The kernel parses the image again when it loads it; this is the check
 * that gives an operator a clear message before anything is parked.
 *
 * @param path the file inspected
 * @param size its size in bytes (a signed image is longer than the header declares)
 * @param protocolVersion the boot protocol version it declares
 * @param release the kernel release, the first word of the version string ({@code 6.1.0-56-amd64})
 * @param version the whole version string ({@code 6.1.0-56-amd64 (debian-kernel@...) #1 SMP ...})
 * @param cmdlineSize the longest command line it accepts, without the terminating NUL
 *     (header field {@code cmdline_size}; 255 for protocols before 2.06)
 */
public record KernelImage(Path path, long size, BootProtocolVersion protocolVersion, String release,
        String version, int cmdlineSize) {

    // Offsets in the file (Documentation/arch/x86/boot.rst, "The real-mode kernel header").
    static final int SETUP_SECTS = 0x1f1;
    static final int SYSSIZE = 0x1f4;
    static final int BOOT_FLAG = 0x1fe;
    static final int HEADER_MAGIC = 0x202;
    static final int VERSION = 0x206;
    static final int KERNEL_VERSION = 0x20e;
    static final int LOADFLAGS = 0x211;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    /** Where the fields this class reads end. */
    static final int HEADER_END = 0x23c;

    static final int BOOT_FLAG_VALUE = 0xaa55;
    static final byte[] HDRS = "HdrS".getBytes(StandardCharsets.US_ASCII);
    static final int LOADED_HIGH = 0x01;
    static final int XLF_KERNEL_64 = 0x01;
    /** Field {@code kernel_version} holds the string's offset minus 0x200. */
    static final int KERNEL_VERSION_BASE = 0x200;
    static final int MAX_VERSION_LENGTH = 512;

    public KernelImage {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(protocolVersion, "protocolVersion");
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(version, "version");
    }

    /**
     * Reads and validates the bzImage at {@code bzImage}.
     *
     * @throws KernelImageException naming the file and what is wrong with it
     */
    public static KernelImage inspect(Path bzImage) throws KernelImageException {
        Objects.requireNonNull(bzImage, "bzImage");
        if (Files.isDirectory(bzImage)) {
            throw new KernelImageException(bzImage, "is a directory, not a kernel image");
        }
        if (!Files.exists(bzImage)) {
            throw new KernelImageException(bzImage, "does not exist");
        }
        if (!Files.isRegularFile(bzImage)) {
            throw new KernelImageException(bzImage, "is not a regular file");
        }
        try (FileChannel file = FileChannel.open(bzImage, StandardOpenOption.READ)) {
            long size = file.size();
            if (size == 0) {
                throw new KernelImageException(bzImage, "file is empty");
            }
            if (size < HEADER_END) {
                throw new KernelImageException(bzImage, "not a bzImage: only " + size
                        + " bytes, shorter than the setup header (0x" + Integer.toHexString(HEADER_END) + ")");
            }
            ByteBuffer header = read(file, 0, HEADER_END);
            checkSignatures(bzImage, header);
            BootProtocolVersion protocol = BootProtocolVersion.fromHeaderField(u16(header, VERSION));
            if (!protocol.isAtLeast(BootProtocolVersion.KEXEC_FILE_MINIMUM)) {
                throw new KernelImageException(bzImage, "boot protocol " + protocol
                        + " is too old: kexec_file_load needs " + BootProtocolVersion.KEXEC_FILE_MINIMUM
                        + " or later (kernels since 3.8)");
            }
            if ((u8(header, LOADFLAGS) & LOADED_HIGH) == 0) {
                throw new KernelImageException(bzImage,
                        "not a bzImage: loadflags at 0x211 lack LOADED_HIGH (an old zImage)");
            }
            if ((u16(header, XLOADFLAGS) & XLF_KERNEL_64) == 0) {
                throw new KernelImageException(bzImage, "32-bit kernel: xloadflags at 0x236 lack XLF_KERNEL_64;"
                        + " kexec_file_load on x86_64 boots only 64-bit kernels");
            }
            int setupSects = u8(header, SETUP_SECTS) == 0 ? 4 : u8(header, SETUP_SECTS);
            int setupSize = (setupSects + 1) * 512;
            long declared = setupSize + 16L * u32(header, SYSSIZE);
            if (declared > size) {
                throw new KernelImageException(bzImage, "truncated: the header declares " + declared
                        + " bytes (setup " + setupSize + " + syssize), the file has " + size);
            }
            String version = versionString(bzImage, file, header, setupSize);
            int cmdlineSize = (int) Math.min(Integer.MAX_VALUE, u32(header, CMDLINE_SIZE));
            return new KernelImage(bzImage, size, protocol, version.split(" ", 2)[0], version, cmdlineSize);
        } catch (NoSuchFileException e) {
            throw new KernelImageException(bzImage, "does not exist", e);
        } catch (AccessDeniedException e) {
            throw new KernelImageException(bzImage, "cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new KernelImageException(bzImage, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static void checkSignatures(Path path, ByteBuffer header) throws KernelImageException {
        if (u16(header, BOOT_FLAG) != BOOT_FLAG_VALUE) {
            throw new KernelImageException(path, "not a bzImage: no boot sector signature 0xAA55 at 0x1FE");
        }
        for (int i = 0; i < HDRS.length; i++) {
            if (header.get(HEADER_MAGIC + i) != HDRS[i]) {
                throw new KernelImageException(path, "not a bzImage: no HdrS magic at 0x202");
            }
        }
    }

    private static String versionString(Path path, FileChannel file, ByteBuffer header, int setupSize)
            throws IOException, KernelImageException {
        int pointer = u16(header, KERNEL_VERSION);
        if (pointer == 0) {
            throw new KernelImageException(path, "no kernel version string (kernel_version at 0x20E is 0)");
        }
        int offset = pointer + KERNEL_VERSION_BASE;
        if (offset >= setupSize) {
            throw new KernelImageException(path, "kernel_version at 0x20E points to 0x" + Integer.toHexString(offset)
                    + ", outside the setup code (0x" + Integer.toHexString(setupSize) + " bytes)");
        }
        ByteBuffer text = read(file, offset, Math.min(MAX_VERSION_LENGTH, setupSize - offset));
        int end = 0;
        while (end < text.limit() && text.get(end) != 0) {
            byte b = text.get(end);
            if (b < 0x20 || b > 0x7e) {
                throw new KernelImageException(path, "kernel version string at 0x" + Integer.toHexString(offset)
                        + " holds a non-printable byte 0x" + Integer.toHexString(b & 0xff));
            }
            end++;
        }
        if (end == text.limit()) {
            throw new KernelImageException(path, "kernel version string at 0x" + Integer.toHexString(offset)
                    + " is not NUL-terminated within " + text.limit() + " bytes");
        }
        if (end == 0) {
            throw new KernelImageException(path, "kernel version string at 0x" + Integer.toHexString(offset)
                    + " is empty");
        }
        byte[] bytes = new byte[end];
        text.get(0, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static ByteBuffer read(FileChannel file, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (file.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.flip();
    }

    private static int u8(ByteBuffer b, int offset) {
        return b.get(offset) & 0xff;
    }

    private static int u16(ByteBuffer b, int offset) {
        return b.getShort(offset) & 0xffff;
    }

    private static long u32(ByteBuffer b, int offset) {
        return b.getInt(offset) & 0xffffffffL;
    }
}
