package dev.molt.criu;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The processes /proc shows at one moment, with their parents. Read by scanning /proc/PID/stat:
 * the per-task {@code children} files need CONFIG_PROC_CHILDREN, which the dev host's kernel lacks.
 */
public final class ProcessTable {

    /** One process: its pid and parent's pid in this pid namespace, and its state letter (R, S, Z...). */
    public record Proc(int pid, int ppid, char state) {}

    private final Map<Integer, Proc> byPid;

    private ProcessTable(Map<Integer, Proc> byPid) {
        this.byPid = byPid;
    }

    /** The table as /proc shows it now. */
    public static ProcessTable read() throws IOException {
        return read(Path.of("/proc"));
    }

    static ProcessTable read(Path proc) throws IOException {
        Map<Integer, Proc> byPid = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, p -> isNumeric(p.getFileName().toString()))) {
            for (Path entry : entries) {
                readStat(entry.resolve("stat")).ifPresent(p -> byPid.put(p.pid(), p));
            }
        }
        return new ProcessTable(byPid);
    }

    /** Whether /proc/PID exists (a zombie counts). */
    public static boolean exists(int pid) {
        return pid > 0 && Files.exists(Path.of("/proc", Integer.toString(pid)));
    }

    /** One process's entry, read now; empty if it does not exist. */
    public static Optional<Proc> stat(int pid) throws IOException {
        return readStat(Path.of("/proc", Integer.toString(pid), "stat"));
    }

    public Optional<Proc> get(int pid) {
        return Optional.ofNullable(byPid.get(pid));
    }

    /** Direct children of {@code pid}, by pid. */
    public List<Proc> children(int pid) {
        return byPid.values().stream().filter(p -> p.ppid() == pid).sorted((a, b) -> a.pid() - b.pid()).toList();
    }

    /** {@code root} and all its descendants, root first, then breadth first; empty if root is gone. */
    public List<Integer> tree(int root) {
        if (!byPid.containsKey(root)) {
            return List.of();
        }
        List<Integer> pids = new ArrayList<>();
        Deque<Integer> queue = new ArrayDeque<>(List.of(root));
        while (!queue.isEmpty()) {
            int pid = queue.removeFirst();
            pids.add(pid);
            children(pid).forEach(child -> queue.addLast(child.pid()));
        }
        return pids;
    }

    private static Optional<Proc> readStat(Path stat) throws IOException {
        String text;
        try {
            text = readProcFile(stat);
        } catch (NoSuchFileException e) {
            return Optional.empty(); // exited since the directory was listed
        } catch (IOException e) {
            if (!Files.exists(stat.getParent())) {
                return Optional.empty(); // exited while being read (ESRCH)
            }
            throw e;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ')'.
        int close = text.lastIndexOf(')');
        String[] rest = text.substring(close + 2).split(" ");
        int pid = Integer.parseInt(text.substring(0, text.indexOf(' ')));
        return Optional.of(new Proc(pid, Integer.parseInt(rest[1]), rest[0].charAt(0)));
    }

    /**
     * Reads a /proc or /proc/sys file to its end in one go. Not Files.readString: for a file whose
     * size reads as 0 it reads one byte first, and a numeric sysctl answers any read at a non-zero
     * offset with EOF (measured: pid_max read as "3" instead of "32768").
     */
    public static String readProcFile(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static boolean isNumeric(String name) {
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
