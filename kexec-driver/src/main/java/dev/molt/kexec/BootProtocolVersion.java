package dev.molt.kexec;

/**
 * The x86 boot protocol version a bzImage declares in its setup header (field {@code version} at
 * 0x206: major in the high byte, minor in the low byte). Protocol 2.12 added {@code xloadflags},
 * which kexec_file_load needs to know a kernel can be entered in 64-bit mode.
 */
public record BootProtocolVersion(int major, int minor) implements Comparable<BootProtocolVersion> {

    /** The oldest protocol kexec_file_load accepts for a 64-bit bzImage. */
    public static final BootProtocolVersion KEXEC_FILE_MINIMUM = new BootProtocolVersion(2, 12);

    public BootProtocolVersion {
        if (major < 0 || major > 0xff || minor < 0 || minor > 0xff) {
            throw new IllegalArgumentException("boot protocol version out of range: " + major + "." + minor);
        }
    }

    /** Decodes the 16-bit header field. */
    public static BootProtocolVersion fromHeaderField(int field) {
        return new BootProtocolVersion((field >> 8) & 0xff, field & 0xff);
    }

    public boolean isAtLeast(BootProtocolVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(BootProtocolVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
