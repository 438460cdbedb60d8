package dev.molt.criu;

import dev.molt.criu.rpc.CriuRpc;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A CRIU release, ordered by major, minor, sublevel ("4.2.1" > "4.2" == "4.2.0"). */
public record CriuVersion(int major, int minor, int sublevel) implements Comparable<CriuVersion> {

    private static final Pattern FORM = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final Comparator<CriuVersion> ORDER = Comparator.comparingInt(CriuVersion::major)
            .thenComparingInt(CriuVersion::minor)
            .thenComparingInt(CriuVersion::sublevel);

    public CriuVersion {
        if (major < 0 || minor < 0 || sublevel < 0 || minor > 99 || sublevel > 99) {
            throw new IllegalArgumentException(
                    "not a CRIU version: " + major + "." + minor + "." + sublevel);
        }
    }

    /** Parses "4.2.1" or "4.2" (sublevel 0); leading "Version: " as printed by criu --version is allowed. */
    public static CriuVersion parse(String text) {
        String s = text.strip();
        if (s.startsWith("Version:")) {
            s = s.substring("Version:".length()).strip();
        }
        Matcher m = FORM.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not a CRIU version: '" + text + "' (expected MAJOR.MINOR[.SUBLEVEL], e.g. 4.2.1)");
        }
        return new CriuVersion(
                Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    /** From a VERSION response. */
    public static CriuVersion of(CriuRpc.criu_version version) {
        return new CriuVersion(version.getMajorNumber(), version.getMinorNumber(), version.getSublevel());
    }

    /** major*10000 + minor*100 + sublevel (4.2.1 -> 40201), as CRIU's libcriu reports it. */
    public int code() {
        return major * 10000 + minor * 100 + sublevel;
    }

    public boolean atLeast(CriuVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(CriuVersion other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + sublevel;
    }
}
