package dev.molt.scheduler;

import dev.molt.api.v1.Blocker;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Blockers whose outcome the test sets: a command listed in {@link #failing} fails. */
final class FakeBlockerChecks implements BlockerChecks {
    final Set<String> failing = ConcurrentHashMap.newKeySet();

    @Override
    public Optional<String> failure(Blocker blocker) {
        return failing.contains(blocker.getCommand()) ? Optional.of("exited with 1") : Optional.empty();
    }
}
