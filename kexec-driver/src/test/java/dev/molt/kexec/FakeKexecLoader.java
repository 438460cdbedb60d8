package dev.molt.kexec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A loader that records what it is asked and plays the kernel's part on a {@link FakeKernelRoot}:
 * a load writes 1 to its kexec_loaded, an unload 0. Never touches the real kernel.
 */
final class FakeKexecLoader implements KexecLoader {

    /** Thrown by {@link #reboot}: a real reboot does not return either. */
    static final class Rebooted extends RuntimeException {
        Rebooted() {
            super("fake reboot into the staged kernel");
        }
    }

    record Load(Path kernel, Path initrd, String cmdline) {
    }

    private final FakeKernelRoot kernel;
    final List<Load> loads = new ArrayList<>();
    int unloads;
    int reboots;
    SwitchException failLoadWith;
    boolean loadLeavesNothingStaged;

    FakeKexecLoader(FakeKernelRoot kernel) {
        this.kernel = kernel;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public void load(KernelImage image, Path initrd, String cmdline) throws SwitchException {
        loads.add(new Load(image.path(), initrd, cmdline));
        if (failLoadWith != null) {
            throw failLoadWith;
        }
        kernel.setKexecLoaded(!loadLeavesNothingStaged);
    }

    @Override
    public void unload() {
        unloads++;
        kernel.setKexecLoaded(false);
    }

    @Override
    public void reboot() {
        reboots++;
        throw new Rebooted();
    }

    /** A directory laid out like / for {@link RunningKernel}: proc/cmdline, sys/kernel/kexec_loaded. */
    static final class FakeKernelRoot {
        final Path root;

        FakeKernelRoot(Path root, boolean hasKexec, String cmdline) {
            this.root = root;
            try {
                Files.createDirectories(root.resolve("proc/sys/kernel"));
                Files.createDirectories(root.resolve("sys/kernel"));
                Files.writeString(root.resolve("proc/cmdline"), cmdline + "\n");
                Files.writeString(root.resolve("proc/sys/kernel/kexec_load_disabled"), "0\n");
                if (hasKexec) {
                    setKexecLoaded(false);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void setKexecLoaded(boolean loaded) {
            write("sys/kernel/kexec_loaded", loaded ? "1\n" : "0\n");
        }

        void disableLoads() {
            write("proc/sys/kernel/kexec_load_disabled", "1\n");
        }

        RunningKernel runningKernel() {
            return new RunningKernel(root);
        }

        private void write(String file, String text) {
            try {
                Files.writeString(root.resolve(file), text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
