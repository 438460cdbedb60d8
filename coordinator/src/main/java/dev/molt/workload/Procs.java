package dev.molt.workload;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Reads processes from procfs: status (PPid, state, NSpid), kernel-thread flag, children and
 * descendants. A process that exits while it is read is reported as absent, never as an error:
 * callers look at a moving system.
 */
public final class Procs {

    /** PF_KTHREAD in the flags field of /proc/PID/stat (include/linux/sched.h). */
    static final long PF_KTHREAD = 0x00200000;

    private final Path procRoot;

    public Procs(Path procRoot) {
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
    }

    public static Procs host() {
        return new Procs(Path.of("/proc"));
    }

    /** The status of {@code pid}, or empty when there is no such process. */
    public Optional<ProcStatus> status(long pid) throws WorkloadException {
        Optional<List<String>> lines = readLines(pid, "status");
        return lines.map(l -> parseStatus(pid, l));
    }

    static ProcStatus parseStatus(long pid, List<String> lines) {
        String name = "";
        char state = '?';
        long ppid = -1;
        List<Long> nsPids = List.of();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).strip();
            switch (line.substring(0, colon)) {
                case "Name" -> name = value;
                case "State" -> state = value.isEmpty() ? '?' : value.charAt(0);
                case "PPid" -> ppid = Long.parseLong(value);
                case "NSpid" -> nsPids = value.isEmpty() ? List.of()
                        : java.util.Arrays.stream(value.split("\\s+")).map(Long::valueOf).toList();
                default -> {
                }
            }
        }
        return new ProcStatus(pid, name, state, ppid, nsPids);
    }

    /** True when {@code pid} exists. */
    public boolean exists(long pid) {
        return Files.isDirectory(procRoot.resolve(Long.toString(pid)));
    }

    /**
     * True when {@code pid} is a kernel thread (PF_KTHREAD in /proc/PID/stat); false also when it
     * has exited.
     */
    public boolean isKernelThread(long pid) throws WorkloadException {
        Optional<List<String>> lines = readLines(pid, "stat");
        if (lines.isEmpty() || lines.get().isEmpty()) {
            return false;
        }
        return (statFlags(lines.get().getFirst()) & PF_KTHREAD) != 0;
    }

    /** The flags field (9th) of a /proc/PID/stat line; the command name before it may hold spaces. */
    static long statFlags(String statLine) {
        String[] fields = statLine.substring(statLine.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags
        return Long.parseUnsignedLong(fields[6]);
    }

    /**
     * The children of {@code pid}: the union of /proc/PID/task/TID/children over its threads
     * (a child belongs to the thread that forked it). Falls back to a scan of every process's PPid
     * on kernels without CONFIG_PROC_CHILDREN.
     */
    public List<Long> children(long pid) throws WorkloadException {
        Path tasks = procRoot.resolve(Long.toString(pid)).resolve("task");
        Set<Long> children = new LinkedHashSet<>();
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                Path file = thread.resolve("children");
                try {
                    String text = Files.readString(file).strip();
                    if (!text.isEmpty()) {
                        for (String child : text.split("\\s+")) {
                            children.add(Long.parseLong(child));
                        }
                    }
                } catch (NoSuchFileException e) {
                    if (!Files.exists(thread)) {
                        continue; // the thread exited
                    }
                    return childrenByScan(pid);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw io(pid, tasks, e);
        }
        return List.copyOf(children);
    }

    private List<Long> childrenByScan(long parent) throws WorkloadException {
        List<Long> children = new ArrayList<>();
        for (long pid : allPids()) {
            Optional<ProcStatus> status = status(pid);
            if (status.isPresent() && status.get().ppid() == parent) {
                children.add(pid);
            }
        }
        return children;
    }

    /** Every descendant of {@code pid}, breadth first, without {@code pid} itself. */
    public List<Long> descendants(long pid) throws WorkloadException {
        List<Long> found = new ArrayList<>();
        Set<Long> seen = new LinkedHashSet<>(List.of(pid));
        Deque<Long> queue = new ArrayDeque<>(List.of(pid));
        while (!queue.isEmpty()) {
            for (long child : children(queue.removeFirst())) {
                if (seen.add(child)) {
                    found.add(child);
                    queue.addLast(child);
                }
            }
        }
        return found;
    }

    /** The pids of every process this procfs shows. */
    public List<Long> allPids() throws WorkloadException {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(procRoot, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path entry : entries) {
                pids.add(Long.parseLong(entry.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.IO, procRoot.toString(),
                    "cannot list processes in " + procRoot + ": " + e, e);
        }
        return pids;
    }

    private Optional<List<String>> readLines(long pid, String file) throws WorkloadException {
        Path path = procRoot.resolve(Long.toString(pid)).resolve(file);
        try {
            return Optional.of(Files.readAllLines(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // ESRCH: the process exited between open and read.
            if (!exists(pid)) {
                return Optional.empty();
            }
            throw io(pid, path, e);
        }
    }

    private static WorkloadException io(long pid, Path path, IOException e) {
        return new WorkloadException(WorkloadException.Reason.IO, Long.toString(pid), "cannot read " + path + ": " + e, e);
    }
}
