package dev.molt.upgrade;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Facts about the running kernel and its processes, read from /proc. */
public final class HostInfo {
    private HostInfo() {}

    /** Changes at every boot, kexec included: how a restarted coordinator knows a switch happened. */
    public static String bootId() {
        return read(Path.of("/proc/sys/kernel/random/boot_id"));
    }

    public static String kernelRelease() {
        return read(Path.of("/proc/sys/kernel/osrelease"));
    }

    public static String cmdline() {
        return read(Path.of("/proc/cmdline"));
    }

    /**
     * A process's start time in clock ticks since boot (/proc/PID/stat field 22), or -1 when it
     * does not exist. With the boot id, (pid, start time) names a process without confusing it
     * with a later one that reused its pid.
     */
    public static long startTime(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            return -1;
        }
        // The command name (field 2) is in parentheses and may contain spaces: split after it.
        String rest = stat.substring(stat.lastIndexOf(')') + 2);
        List<String> fields = List.of(rest.split(" "));
        return Long.parseLong(fields.get(22 - 3));
    }

    /** True when the process exists and is not a zombie. */
    public static boolean alive(long pid, long startTime) {
        long actual = startTime(pid);
        if (actual < 0 || actual != startTime) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }
}
