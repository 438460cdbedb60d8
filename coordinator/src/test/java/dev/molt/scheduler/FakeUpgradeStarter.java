package dev.molt.scheduler;

import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.UpgradeState;
import dev.molt.upgrade.ParkGuard;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the upgrades the scheduler starts, with their guards; holds a made-up history. */
final class FakeUpgradeStarter implements UpgradeStarter {
    record Started(String requestId, UpgradeSpec spec, ParkGuard guard, Upgrade upgrade) {}

    final List<Started> started = new CopyOnWriteArrayList<>();
    final Map<String, Upgrade> byRequest = new ConcurrentHashMap<>();
    final List<Upgrade> history = new CopyOnWriteArrayList<>();
    volatile Upgrade active;

    @Override
    public synchronized Upgrade start(String requestId, UpgradeSpec spec, ParkGuard guard) {
        Upgrade earlier = byRequest.get(requestId);
        if (earlier != null) {
            return earlier;
        }
        Upgrade u = Upgrade.newBuilder().setId("u-" + (started.size() + 1)).setRequestId(requestId).setSpec(spec)
                .setState(UpgradeState.PLANNED).build();
        started.add(new Started(requestId, spec, guard, u));
        byRequest.put(requestId, u);
        return u;
    }

    @Override
    public Optional<Upgrade> byRequestId(String requestId) {
        return Optional.ofNullable(byRequest.get(requestId));
    }

    @Override
    public Optional<Upgrade> active() {
        return Optional.ofNullable(active);
    }

    @Override
    public List<Upgrade> recent(int limit) {
        return new ArrayList<>(history).subList(0, Math.min(limit, history.size()));
    }

    static Upgrade done(String id, long stopMillis) {
        return Upgrade.newBuilder().setId(id).setState(UpgradeState.DONE)
                .setStopReport(StopReport.newBuilder().setTotalStopMillis(stopMillis)).build();
    }
}
