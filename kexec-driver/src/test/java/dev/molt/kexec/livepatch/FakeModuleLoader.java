package dev.molt.kexec.livepatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Loads nothing: records the calls and lets the test play what the kernel does on load. */
final class FakeModuleLoader implements ModuleLoader {
    final List<String> loaded = new ArrayList<>();
    final List<String> unloaded = new ArrayList<>();
    private Consumer<ModuleInfo> onLoad = info -> { };

    FakeModuleLoader onLoad(Consumer<ModuleInfo> onLoad) {
        this.onLoad = onLoad;
        return this;
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
}
