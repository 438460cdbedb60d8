package dev.molt.kexec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes files with a synthetic x86 setup header laid out like a Debian 6.1 bzImage's (the values
 * of vmlinuz-6.1.0-56-amd64: protocol 2.15, loadflags 0x01, xloadflags 0x7f, cmdline_size 2047),
 * with a small payload instead of the compressed kernel. Each setter breaks one thing.
 */
final class BzImageBuilder {

    private int setupSects = 4;
    private int payloadBytes = 4096;
    private int bootFlag = 0xaa55;
    private String magic = "HdrS";
    private int protocol = 0x020f;
    private int loadflags = 0x01;
    private int xloadflags = 0x7f;
    private int cmdlineSize = 2047;
    private int versionOffset = 0x400;
    private Integer versionPointer;
    private byte[] version = "6.1.0-56-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)"
            .getBytes(StandardCharsets.US_ASCII);
    private boolean terminateVersion = true;
    private Integer truncateTo;

    BzImageBuilder bootFlag(int value) {
        bootFlag = value;
        return this;
    }

    BzImageBuilder magic(String value) {
        magic = value;
        return this;
    }

    BzImageBuilder protocol(int major, int minor) {
        protocol = major << 8 | minor;
        return this;
    }

    BzImageBuilder loadflags(int value) {
        loadflags = value;
        return this;
    }

    BzImageBuilder xloadflags(int value) {
        xloadflags = value;
        return this;
    }

    BzImageBuilder cmdlineSize(int value) {
        cmdlineSize = value;
        return this;
    }

    BzImageBuilder version(String value) {
        version = value.getBytes(StandardCharsets.US_ASCII);
        return this;
    }

    BzImageBuilder versionBytes(byte[] value, boolean terminated) {
        version = value;
        terminateVersion = terminated;
        return this;
    }

    /** Overrides the kernel_version field (normally the string's offset minus 0x200). */
    BzImageBuilder versionPointer(int value) {
        versionPointer = value;
        return this;
    }

    BzImageBuilder truncateTo(int bytes) {
        truncateTo = bytes;
        return this;
    }

    int setupSize() {
        return (setupSects + 1) * 512;
    }

    byte[] bytes() {
        int size = setupSize() + payloadBytes;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(KernelImage.SETUP_SECTS, (byte) setupSects);
        b.putInt(KernelImage.SYSSIZE, payloadBytes / 16);
        b.putShort(KernelImage.BOOT_FLAG, (short) bootFlag);
        b.put(KernelImage.HEADER_MAGIC, magic.getBytes(StandardCharsets.US_ASCII));
        b.putShort(KernelImage.VERSION, (short) protocol);
        b.putShort(KernelImage.KERNEL_VERSION,
                (short) (versionPointer != null ? versionPointer : versionOffset - KernelImage.KERNEL_VERSION_BASE));
        b.put(KernelImage.LOADFLAGS, (byte) loadflags);
        b.putShort(KernelImage.XLOADFLAGS, (short) xloadflags);
        b.putInt(KernelImage.CMDLINE_SIZE, cmdlineSize);
        int end = Math.min(versionOffset + version.length, setupSize());
        b.put(versionOffset, version, 0, end - versionOffset);
        if (!terminateVersion) {
            // Fill the rest of the setup code too, so no NUL follows the string anywhere.
            for (int i = end; i < setupSize(); i++) {
                b.put(i, (byte) 'x');
            }
        }
        for (int i = setupSize(); i < size; i++) {
            b.put(i, (byte) (i * 31));
        }
        byte[] all = b.array();
        return truncateTo == null ? all : java.util.Arrays.copyOf(all, truncateTo);
    }

    Path writeTo(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }
}
