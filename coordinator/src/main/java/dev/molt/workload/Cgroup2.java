package dev.molt.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The cgroup v2 hierarchy: where it is mounted, and how cgroup names map to its directories.
 * The mount is found in /proc/self/mountinfo, never assumed: on a hybrid host it is
 * /sys/fs/cgroup/unified, and /sys/fs/cgroup is a tmpfs where a mkdir makes a plain directory.
 *
 * <p>Names: {@code molt/web} and {@code /molt/web} both mean the cgroup {@code /molt/web} under
 * the mount (the form /proc/PID/cgroup and systemd use); a filesystem path inside the mount
 * ({@code /sys/fs/cgroup/unified/molt/web}) is accepted too. Refused: any {@code .} or {@code ..}
 * segment, empty segments, control characters, and absolute paths under the mount's parent that
 * are outside it (a cgroup v1 hierarchy such as /sys/fs/cgroup/memory/x on a hybrid host).
 */
public final class Cgroup2 {

    private final Path mountPoint;
    private final Path procRoot;

    /**
     * @param mountPoint where cgroup2 is mounted
     * @param procRoot where procfs is mounted (for /proc/PID/cgroup)
     */
    public Cgroup2(Path mountPoint, Path procRoot) {
        this.mountPoint = Objects.requireNonNull(mountPoint, "mountPoint").toAbsolutePath().normalize();
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
    }

    /** The hierarchy this process sees, from /proc/self/mountinfo. */
    public static Cgroup2 find() throws WorkloadException {
        Path mountinfo = Path.of("/proc/self/mountinfo");
        List<String> lines;
        try {
            lines = Files.readAllLines(mountinfo);
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, mountinfo.toString(),
                    "cannot read " + mountinfo + " to find the cgroup2 mount: " + e, e);
        }
        Path mount = mountPointIn(lines).orElseThrow(() -> new WorkloadException(WorkloadException.Reason.NO_CGROUP2,
                "cgroup2", "no cgroup2 file system is mounted (none in " + mountinfo + "): mount one,"
                        + " e.g. mount -t cgroup2 none /sys/fs/cgroup/unified"));
        return new Cgroup2(mount, Path.of("/proc"));
    }

    /**
     * The mount point of the first cgroup2 mount in mountinfo lines (proc(5)): field 5 is the mount
     * point, the file system type follows the " - " separator. Octal escapes (\040) are decoded.
     */
    static Optional<Path> mountPointIn(List<String> mountinfoLines) {
        for (String line : mountinfoLines) {
            int separator = line.indexOf(" - ");
            if (separator < 0) {
                continue;
            }
            String[] before = line.substring(0, separator).split(" ");
            String[] after = line.substring(separator + 3).split(" ");
            if (before.length >= 5 && after.length >= 1 && after[0].equals("cgroup2")) {
                return Optional.of(Path.of(unescape(before[4])));
            }
        }
        return Optional.empty();
    }

    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** The root cgroup's directory, the mount point itself. */
    public Path root() {
        return mountPoint;
    }

    /**
     * The directory of cgroup {@code name} (see the class comment for the accepted forms). The
     * cgroup need not exist.
     *
     * @throws WorkloadException {@link WorkloadException.Reason#INVALID_NAME} for traversal or a
     *     path outside the mount
     */
    public Path resolve(String name) throws WorkloadException {
        Objects.requireNonNull(name, "name");
        String relative = name;
        String mount = mountPoint.toString();
        if (name.equals(mount) || name.startsWith(mount + "/")) {
            relative = name.substring(mount.length());
        } else if (name.startsWith("/") && mountPoint.getParent() != null && mountPoint.getParent().getNameCount() > 0
                && (name + "/").startsWith(mountPoint.getParent() + "/")) {
            throw invalid(name, "is outside the cgroup2 mount " + mountPoint
                    + " (a cgroup v1 hierarchy?): name a cgroup v2 path such as /molt/web");
        }
        if (relative.startsWith("/")) {
            relative = relative.substring(1);
        }
        if (relative.endsWith("/")) {
            relative = relative.substring(0, relative.length() - 1);
        }
        if (relative.isEmpty()) {
            return mountPoint;
        }
        for (String segment : relative.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                throw invalid(name, "contains a '" + segment + "' segment: cgroup names may not traverse"
                        + " (name the cgroup by its path from the cgroup2 root, e.g. /molt/web)");
            }
            if (segment.isEmpty()) {
                throw invalid(name, "contains an empty segment (//)");
            }
            if (segment.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw invalid(name, "contains a control character");
            }
        }
        Path dir = mountPoint.resolve(relative).normalize();
        if (!dir.startsWith(mountPoint)) {
            throw invalid(name, "resolves to " + dir + ", outside the cgroup2 mount " + mountPoint);
        }
        return dir;
    }

    /** The cgroup name of a directory under the mount: {@code /molt/web}, or {@code /} for the root. */
    public String nameOf(Path cgroupDir) {
        Path normalized = cgroupDir.toAbsolutePath().normalize();
        if (!normalized.startsWith(mountPoint)) {
            throw new IllegalArgumentException(cgroupDir + " is not under the cgroup2 mount " + mountPoint);
        }
        return "/" + mountPoint.relativize(normalized).toString();
    }

    /** True when {@code cgroupDir} is an existing cgroup (a directory with cgroup.procs). */
    public boolean exists(Path cgroupDir) {
        return Files.isRegularFile(cgroupDir.resolve("cgroup.procs"));
    }

    /**
     * The directory of process {@code pid}'s cgroup v2, from the {@code 0::/path} line of
     * /proc/PID/cgroup.
     */
    public Path cgroupOf(long pid) throws WorkloadException {
        Path file = procRoot.resolve(Long.toString(pid)).resolve("cgroup");
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new WorkloadException(WorkloadException.Reason.NOT_FOUND, Long.toString(pid),
                    "no process with pid " + pid + " (no " + file + ")", e);
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, Long.toString(pid),
                    "cannot read " + file + ": " + e, e);
        }
        String path = v2PathIn(lines).orElseThrow(() -> new WorkloadException(WorkloadException.Reason.NO_CGROUP2,
                Long.toString(pid), file + " has no cgroup v2 line (0::/path)"));
        return resolve(path);
    }

    /** The path of the {@code 0::} line of /proc/PID/cgroup, if there is one. */
    static Optional<String> v2PathIn(List<String> procCgroupLines) {
        return procCgroupLines.stream().filter(line -> line.startsWith("0::")).map(line -> line.substring(3))
                .findFirst();
    }

    private static WorkloadException invalid(String name, String problem) {
        return new WorkloadException(WorkloadException.Reason.INVALID_NAME, name, "cgroup name " + name + " " + problem);
    }
}
