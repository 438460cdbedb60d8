package dev.molt.kexec.livepatch;

import java.util.List;
import java.util.Optional;

/**
 * One livepatch as /sys/kernel/livepatch/NAME shows it.
 *
 * @param enabled    the {@code enabled} file: 1 while patching or patched, 0 while unpatching
 * @param transition the {@code transition} file: tasks are still converging
 * @param replace    the {@code replace} file (Linux 6.11+); empty on older kernels, which do not say
 * @param objects    the patched objects: {@code vmlinux} or a module name, each with its functions
 */
public record PatchStatus(String name, boolean enabled, boolean transition, Optional<Boolean> replace,
        List<PatchObject> objects) {

    public PatchStatus {
        objects = List.copyOf(objects);
    }

    /**
     * One object of a patch.
     *
     * @param patched   the object's {@code patched} file: its functions are redirected (the object,
     *                  e.g. a module, is loaded)
     * @param functions directory names {@code function,sympos}
     */
    public record PatchObject(String name, boolean patched, List<String> functions) {
        public PatchObject {
            functions = List.copyOf(functions);
        }
    }
}
