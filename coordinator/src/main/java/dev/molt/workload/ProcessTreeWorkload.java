package dev.molt.workload;

import java.util.regex.Pattern;

/**
 * A process and all its descendants. To park it, Molt moves the tree into a cgroup of its own,
 * {@code molt/NAME} under the cgroup2 mount (see {@link MoltCgroups}).
 *
 * <p>The root is taken as given and is what CRIU dumps. For a tree in its own pid namespace
 * ({@code unshare --pid --fork setsid CMD}) give the namespace's init, the child of
 * {@code unshare}, not the {@code unshare} process: CRIU dumps a pid namespace from its init.
 *
 * @param rootPid the tree's root, as this host's procfs shows it
 * @param name the name of Molt's cgroup for it: letters, digits, '.', '_' and '-' only
 */
public record ProcessTreeWorkload(long rootPid, String name) implements WorkloadSpec {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    public ProcessTreeWorkload {
        if (rootPid <= 0) {
            throw new IllegalArgumentException("rootPid must be positive, got " + rootPid);
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("workload name " + name + " is not usable as a cgroup name:"
                    + " use letters, digits, '.', '_' and '-' (not first), at most 128 characters");
        }
    }

    /** A tree named after its root: {@code pid-1234}. */
    public ProcessTreeWorkload(long rootPid) {
        this(rootPid, "pid-" + rootPid);
    }

    @Override
    public String describe() {
        return "process tree of pid " + rootPid;
    }
}
