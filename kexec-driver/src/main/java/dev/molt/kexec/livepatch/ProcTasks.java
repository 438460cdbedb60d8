package dev.molt.kexec.livepatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every task (thread) of the machine with its livepatch state, from /proc/PID/task/TID/
 * {patch_state, stat, stack}. The root is injectable so unit tests run on a plain directory tree.
 * Tasks come and go while this reads: one that vanished mid-read is left out.
 */
public final class ProcTasks {
    /** PF_KTHREAD in /proc/PID/stat's flags (include/linux/sched.h). */
    static final long PF_KTHREAD = 0x00200000L;

    private final Path proc;

    public ProcTasks(Path proc) {
        this.proc = proc;
    }

    public static ProcTasks host() {
        return new ProcTasks(Path.of("/proc"));
    }

    /**
     * One task.
     *
     * @param state      /proc/.../stat's state letter: S interruptible sleep, D uninterruptible, R, T, ...
     * @param patchState -1 no transition, 0 unpatched, 1 patched
     */
    public record Task(int tgid, int tid, String comm, char state, boolean kthread, int patchState) {}

    public List<Task> tasks() {
        List<Task> tasks = new ArrayList<>();
        for (Path process : numericChildren(proc)) {
            int tgid = Integer.parseInt(process.getFileName().toString());
            List<Path> threads;
            try {
                threads = numericChildren(process.resolve("task"));
            } catch (UncheckedIOException exitedMeanwhile) {
                // A process that exits while it is read answers ESRCH ("No such process"), which
                // is no NoSuchFileException: it has nothing left to wait for either.
                continue;
            }
            for (Path task : threads) {
                try {
                    String stat = Files.readString(task.resolve("stat"), StandardCharsets.UTF_8);
                    String patchState = Files.readString(task.resolve("patch_state"), StandardCharsets.US_ASCII).strip();
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String[] rest = stat.substring(close + 2).split(" ");
                    // rest[0] is field 3 (state); flags is field 9.
                    long flags = Long.parseLong(rest[6]);
                    tasks.add(new Task(tgid, Integer.parseInt(task.getFileName().toString()), stat.substring(open + 1, close),
                            rest[0].charAt(0), (flags & PF_KTHREAD) != 0, Integer.parseInt(patchState)));
                } catch (IOException | RuntimeException vanishedOrUnreadable) {
                    // A task that exited between the listing and the read, or a kernel without
                    // patch_state: nothing to wait for.
                }
            }
        }
        return tasks;
    }

    /** /proc/PID/task/TID/stack: the kernel functions it sleeps in (root only). */
    public String stack(Task task) {
        Path file = proc.resolve(Integer.toString(task.tgid())).resolve("task").resolve(Integer.toString(task.tid()))
                .resolve("stack");
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "(stack unreadable: " + e.getMessage() + ")";
        }
    }

    private static List<Path> numericChildren(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList();
        } catch (java.nio.file.NoSuchFileException gone) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
