package dev.molt.kexec.livepatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The kernel's livepatch interface in sysfs: one directory per loaded patch under
 * {@code /sys/kernel/livepatch}, with {@code enabled}, {@code transition}, {@code force}
 * (and {@code replace} from Linux 6.11) and one subdirectory per patched object.
 *
 * <p>The root is injectable so unit tests run on a plain directory tree. A patch's directory can
 * vanish at any moment (a finished unpatching frees it): readers treat that as "not there".
 */
public final class LivepatchSysfs {
    public static final Path HOST_ROOT = Path.of("/sys/kernel/livepatch");

    private final Path root;

    public LivepatchSysfs(Path root) {
        this.root = root;
    }

    public static LivepatchSysfs host() {
        return new LivepatchSysfs(HOST_ROOT);
    }

    public Path root() {
        return root;
    }

    /** Whether the running kernel supports livepatching at all (CONFIG_LIVEPATCH). */
    public boolean supported() {
        return Files.isDirectory(root);
    }

    /** Every loaded patch, by name. */
    public List<PatchStatus> list() {
        if (!supported()) {
            return List.of();
        }
        List<PatchStatus> patches = new ArrayList<>();
        for (Path dir : children(root)) {
            find(dir.getFileName().toString()).ifPresent(patches::add);
        }
        return patches;
    }

    public Optional<PatchStatus> find(String name) {
        Path dir = root.resolve(name);
        try {
            boolean enabled = flag(dir.resolve("enabled"));
            boolean transition = flag(dir.resolve("transition"));
            Optional<Boolean> replace = Files.exists(dir.resolve("replace"))
                    ? Optional.of(flag(dir.resolve("replace"))) : Optional.empty();
            List<PatchStatus.PatchObject> objects = new ArrayList<>();
            for (Path object : children(dir)) {
                if (Files.isDirectory(object)) {
                    List<String> functions = children(object).stream().filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString()).toList();
                    objects.add(new PatchStatus.PatchObject(object.getFileName().toString(),
                            Files.exists(object.resolve("patched")) && flag(object.resolve("patched")), functions));
                }
            }
            return Optional.of(new PatchStatus(name, enabled, transition, replace, objects));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            if (!Files.isDirectory(dir)) {
                return Optional.empty();  // freed while it was read
            }
            throw new UncheckedIOException("cannot read livepatch " + dir,
                    e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
        }
    }

    /** Writes {@code enabled}: 0 disables a patch or reverses its transition; 1 reverses an unpatching. */
    public void setEnabled(String name, boolean enabled) throws LivepatchException {
        write(name, "enabled", enabled ? "1" : "0");
    }

    /**
     * Writes 1 to {@code force}: every task is marked as switched at once, whatever its stack. The
     * kernel then never lets the module go (it may still be in use): it stays loaded until reboot.
     */
    public void force(String name) throws LivepatchException {
        write(name, "force", "1");
    }

    private void write(String name, String file, String value) throws LivepatchException {
        Path path = root.resolve(name).resolve(file);
        try {
            Files.writeString(path, value, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new LivepatchException(LivepatchException.Reason.NOT_FOUND,
                    "no livepatch " + name + " is loaded (" + path + " does not exist)", e);
        } catch (IOException e) {
            throw new LivepatchException(LivepatchException.Reason.FAILED,
                    "writing " + value + " to " + path + " failed: " + e.getMessage(), e);
        }
    }

    private static boolean flag(Path file) throws IOException {
        return "1".equals(Files.readString(file, StandardCharsets.US_ASCII).strip());
    }

    private static List<Path> children(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted().toList();
        } catch (NoSuchFileException gone) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
