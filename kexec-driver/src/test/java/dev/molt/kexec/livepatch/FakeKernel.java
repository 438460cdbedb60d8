package dev.molt.kexec.livepatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fake kernel for the livepatch driver's unit tests: a directory tree laid out like
 * /sys/kernel/livepatch and /proc (only the files the driver reads), and /proc/sys/kernel/osrelease.
 * Tests change it between polls to play a transition.
 */
final class FakeKernel {
    final Path sysfs;
    final Path proc;
    final Path osrelease;

    FakeKernel(Path dir, String release) {
        this.sysfs = dir.resolve("sys/kernel/livepatch");
        this.proc = dir.resolve("proc");
        this.osrelease = dir.resolve("osrelease");
        try {
            Files.createDirectories(sysfs);
            Files.createDirectories(proc);
            Files.writeString(osrelease, release + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeKernel addPatch(String name, boolean enabled, boolean transition, String... objects) {
        Path dir = sysfs.resolve(name);
        write(dir.resolve("enabled"), enabled ? "1" : "0");
        write(dir.resolve("transition"), transition ? "1" : "0");
        write(dir.resolve("force"), "0");
        for (String object : objects) {
            write(dir.resolve(object).resolve("patched"), "1");
            mkdirs(dir.resolve(object).resolve("some_function,1"));
        }
        return this;
    }

    boolean enabled(String name) {
        return "1".equals(read(sysfs.resolve(name).resolve("enabled")));
    }

    boolean forced(String name) {
        return "1".equals(read(sysfs.resolve(name).resolve("force")));
    }

    boolean hasPatch(String name) {
        return Files.isDirectory(sysfs.resolve(name));
    }

    void setTransition(String name, boolean transition) {
        write(sysfs.resolve(name).resolve("transition"), transition ? "1" : "0");
    }

    void removePatch(String name) {
        deleteTree(sysfs.resolve(name));
    }

    /** A task: PF_KTHREAD set in its flags when {@code kthread}. */
    FakeKernel addTask(int tgid, int tid, String comm, char state, boolean kthread, int patchState, String stack) {
        Path task = proc.resolve(Integer.toString(tgid)).resolve("task").resolve(Integer.toString(tid));
        long flags = kthread ? 0x00208040L : 0x00400100L;
        write(task.resolve("stat"), tid + " (" + comm + ") " + state + " 1 " + tgid + " " + tgid + " 0 -1 " + flags
                + " 100 0 0 0 1 2 0 0 20 0 1 0 1234 1000 100\n");
        write(task.resolve("patch_state"), Integer.toString(patchState));
        write(task.resolve("stack"), stack);
        return this;
    }

    void setPatchState(int tgid, int tid, int patchState) {
        write(proc.resolve(Integer.toString(tgid)).resolve("task").resolve(Integer.toString(tid)).resolve("patch_state"),
                Integer.toString(patchState));
    }

    /** Every task's patch_state set to {@code state} (the kernel's -1 after a transition). */
    void setAllPatchStates(int state) {
        try (Stream<Path> files = Files.walk(proc)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("patch_state")).toList()) {
                write(f, Integer.toString(state));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    LivepatchDriver driver(FakeSignals signals, FakeModuleLoader loader, FakeTicker ticker) {
        return new LivepatchDriver(new LivepatchSysfs(sysfs), new ProcTasks(proc), signals, loader, ticker, osrelease);
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
