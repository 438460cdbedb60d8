package dev.molt.livepatch;

import dev.molt.kexec.livepatch.LivepatchDriver;
import dev.molt.kexec.livepatch.LivepatchSysfs;
import dev.molt.kexec.livepatch.ModuleInfo;
import dev.molt.kexec.livepatch.ModuleLoader;
import dev.molt.kexec.livepatch.ProcTasks;
import dev.molt.kexec.livepatch.Ticker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A fake kernel for the Livepatcher's tests: sysfs and /proc as directory trees, a module loader
 * that plays the kernel's part ({@link #onLoad}), time that moves only when the driver sleeps
 * ({@link #onTick}), and module files with a real ELF .modinfo section.
 */
final class FakeLivepatchKernel implements ModuleLoader, Ticker {
    static final String RUNNING = "6.1.0-56-amd64";

    final Path dir;
    final Path sysfs;
    final Path proc;
    final List<String> loaded = new ArrayList<>();
    final List<String> unloaded = new ArrayList<>();
    private Consumer<ModuleInfo> onLoad = info -> addPatch(info.name(), true, false);
    private Runnable onTick = () -> { };
    private long nanos;

    FakeLivepatchKernel(Path dir) {
        this.dir = dir;
        this.sysfs = dir.resolve("sys/kernel/livepatch");
        this.proc = dir.resolve("proc");
        write(dir.resolve("osrelease"), RUNNING);
        mkdirs(sysfs);
        mkdirs(proc);
    }

    LivepatchDriver driver() {
        return new LivepatchDriver(new LivepatchSysfs(sysfs), new ProcTasks(proc), tgid -> true, this, this,
                dir.resolve("osrelease"));
    }

    FakeLivepatchKernel onLoad(Consumer<ModuleInfo> onLoad) {
        this.onLoad = onLoad;
        return this;
    }

    FakeLivepatchKernel onTick(Runnable onTick) {
        this.onTick = onTick;
        return this;
    }

    void addPatch(String name, boolean enabled, boolean transition) {
        write(sysfs.resolve(name).resolve("enabled"), enabled ? "1" : "0");
        write(sysfs.resolve(name).resolve("transition"), transition ? "1" : "0");
        write(sysfs.resolve(name).resolve("vmlinux/patched"), "1");
        mkdirs(sysfs.resolve(name).resolve("vmlinux/cmdline_proc_show,1"));
    }

    boolean enabled(String name) {
        try {
            return Files.readString(sysfs.resolve(name).resolve("enabled")).strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    boolean has(String name) {
        return Files.isDirectory(sysfs.resolve(name));
    }

    void setTransition(String name, boolean transition) {
        write(sysfs.resolve(name).resolve("transition"), transition ? "1" : "0");
    }

    void removePatch(String name) {
        try (Stream<Path> files = Files.walk(sysfs.resolve(name))) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A user task on patch state {@code patchState}, asleep uninterruptibly in {@code function}. */
    void addSleeper(int pid, int patchState, String function) {
        Path task = proc.resolve(pid + "/task/" + pid);
        write(task.resolve("stat"), pid + " (cat) D 1 " + pid + " " + pid + " 0 -1 4194560 0 0 0 0 1 2\n");
        write(task.resolve("patch_state"), Integer.toString(patchState));
        write(task.resolve("stack"), "[<0>] " + function + "+0x20/0x40 [molt_lp_target]\n");
    }

    void removeTask(int pid) {
        try (Stream<Path> files = Files.walk(proc.resolve(Integer.toString(pid)))) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A livepatch module file: an ELF relocatable object whose .modinfo says what a real one says. */
    Path module(String name, String builtFor) {
        return elf(dir.resolve(name + ".ko"), List.of("molt_equivalent=6.1.0-57-amd64", "livepatch=Y", "depends=",
                "name=" + name, "vermagic=" + builtFor + " SMP preempt mod_unload modversions "));
    }

    @Override
    public void load(Path ko, ModuleInfo info) {
        loaded.add(info.name());
        onLoad.accept(info);
    }

    @Override
    public void unload(String name) {
        unloaded.add(name);
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public void sleep(Duration duration) {
        nanos += duration.toNanos();
        onTick.run();
    }

    private static Path elf(Path file, List<String> modinfo) {
        byte[] info = (String.join("\0", modinfo) + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] names = "\0.modinfo\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
        int shoff = (64 + info.length + names.length + 7) & ~7;
        ByteBuffer elf = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        elf.putShort(0x10, (short) 1);
        elf.putLong(0x28, shoff);
        elf.putShort(0x3A, (short) 64);
        elf.putShort(0x3C, (short) 3);
        elf.putShort(0x3E, (short) 2);
        elf.put(64, info);
        elf.put(64 + info.length, names);
        section(elf, shoff + 64, 1, 64, info.length);
        section(elf, shoff + 128, 10, 64 + info.length, names.length);
        try {
            Files.write(file, elf.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static void section(ByteBuffer elf, int at, int name, long offset, long size) {
        elf.putInt(at, name);
        elf.putLong(at + 0x18, offset);
        elf.putLong(at + 0x20, size);
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
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
}
