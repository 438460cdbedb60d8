package dev.molt.upgrade;

import dev.molt.api.v1.UpgradeEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Live events of running upgrades, for watchers. Transitions are also in the journal (a watcher
 * that connects late reads them there); progress events (bytes moved) are live only.
 */
public final class EventHub {
    private final Map<String, List<Consumer<UpgradeEvent>>> listeners = new ConcurrentHashMap<>();

    /** Registers a listener; the returned handle removes it. */
    public AutoCloseable subscribe(String upgradeId, Consumer<UpgradeEvent> listener) {
        listeners.computeIfAbsent(upgradeId, k -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> {
            List<Consumer<UpgradeEvent>> list = listeners.get(upgradeId);
            if (list != null) {
                list.remove(listener);
            }
        };
    }

    public void publish(UpgradeEvent event) {
        List<Consumer<UpgradeEvent>> list = listeners.get(event.getUpgradeId());
        if (list == null) {
            return;
        }
        for (Consumer<UpgradeEvent> listener : list) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                // A broken watcher must not stop the upgrade.
                list.remove(listener);
            }
        }
    }
}
