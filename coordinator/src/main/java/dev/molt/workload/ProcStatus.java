package dev.molt.workload;

import java.util.List;

/**
 * What /proc/PID/status says about a process that matters to Molt.
 *
 * @param pid its pid as this process sees it
 * @param name the command name (Name:)
 * @param state the state letter: R, S, D, T, t, Z, X, I
 * @param ppid its parent's pid (PPid:); 0 for the init of the outermost namespace and kthreadd
 * @param nsPids its pid in each pid namespace from this one inward (NSpid:); the last one is what
 *     it sees itself, and what CRIU restores
 */
public record ProcStatus(long pid, String name, char state, long ppid, List<Long> nsPids) {

    public ProcStatus {
        nsPids = List.copyOf(nsPids);
    }

    /** Its pid inside its own (innermost) pid namespace. */
    public long innermostPid() {
        return nsPids.isEmpty() ? pid : nsPids.getLast();
    }

    /** True for the init (pid 1) of a pid namespace nested below this one. */
    public boolean isNamespaceInit() {
        return nsPids.size() > 1 && innermostPid() == 1;
    }

    public boolean isZombie() {
        return state == 'Z' || state == 'X';
    }
}
