package dev.molt.criu;

import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Linux kernel release as {@code uname -r} prints it ("6.1.0-50-amd64", "7.2.12+deb14-amd64"),
 * ordered by its version numbers. Debian's 6.1 releases say 6.1.0 whatever their sublevel (6.1.176):
 * what CRIU needs changes with major.minor, so that is what {@link CriuKernelTable} compares.
 */
public record KernelRelease(String text, int major, int minor, int patch) implements Comparable<KernelRelease> {

    private static final Pattern FORM = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*");
    private static final Comparator<KernelRelease> ORDER = Comparator.comparingInt(KernelRelease::major)
            .thenComparingInt(KernelRelease::minor)
            .thenComparingInt(KernelRelease::patch);

    /** Parses a release; only its leading MAJOR.MINOR[.PATCH] counts for the order. */
    public static KernelRelease parse(String text) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a kernel release: '" + text + "' (expected MAJOR.MINOR..., e.g. 6.1.0-50-amd64)");
        }
        return new KernelRelease(text.strip(), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    /** The running kernel's release. */
    public static KernelRelease running() {
        return parse(System.getProperty("os.version"));
    }

    /** True when this release's major.minor is at least {@code major.minor}. */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public int compareTo(KernelRelease other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return text;
    }
}
