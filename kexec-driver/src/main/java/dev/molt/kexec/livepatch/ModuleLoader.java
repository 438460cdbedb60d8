package dev.molt.kexec.livepatch;

import java.nio.file.Path;

/** Loads and unloads kernel modules (a fake in unit tests: nothing on the host may load one). */
public interface ModuleLoader {

    /** Loads {@code ko}; returns once its init ran (for a livepatch: its transition has started). */
    void load(Path ko, ModuleInfo info) throws LivepatchException;

    /** Unloads module {@code name} without waiting for users (O_NONBLOCK). */
    void unload(String name) throws LivepatchException;
}
