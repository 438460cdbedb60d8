package dev.molt.scheduler;

import dev.molt.api.v1.Blocker;
import dev.molt.api.v1.ListWindowsResponse;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.ScheduleRequest;
import dev.molt.api.v1.ScheduledState;
import dev.molt.api.v1.ScheduledUpgrade;
import dev.molt.api.v1.Upgrade;
import dev.molt.upgrade.ParkGuard;
import dev.molt.upgrade.UpgradeException;
import dev.molt.window.Schedule;
import dev.molt.window.Window;
import dev.molt.window.WindowSpecException;
import dev.molt.window.WindowTimes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Starts scheduled upgrades in their windows. Everything it decides is in the store, so a
 * restarted daemon picks up where it was: {@link #start()} evaluates every waiting upgrade at once.
 *
 * <p>It sleeps until the next thing can change (the next opening, a blocker's re-check), never
 * polling in between; changes through the API wake it. Sleeps are capped at {@link #MAX_SLEEP}
 * because the executor's delays run on the monotonic clock while windows are wall-clock times:
 * a step of the system clock is noticed within that cap.
 *
 * <p>All evaluation runs on the executor's one thread; a start and a cancel exclude each other
 * through {@link #transitions}, so a cancelled upgrade never starts.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());
    static final Duration MAX_SLEEP = Duration.ofMinutes(10);
    /** While a window is open but a blocker fails (or another upgrade runs): look again this often. */
    static final Duration RECHECK = Duration.ofSeconds(10);
    static final int MAX_REQUEST_ID_LENGTH = 100;

    private final WindowStore store;
    private final UpgradeStarter upgrades;
    private final BlockerChecks blockers;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final Object transitions = new Object();
    private ScheduledFuture<?> nextWake;
    private Instant nextWakeAt;
    private volatile boolean closed;

    public Scheduler(WindowStore store, UpgradeStarter upgrades, BlockerChecks blockers, Clock clock,
            ScheduledExecutorService executor) {
        this.store = store;
        this.upgrades = upgrades;
        this.blockers = blockers;
        this.clock = clock;
        this.executor = executor;
    }

    /** Evaluates what the store holds: after a restart, a window may be open right now. */
    public void start() {
        wakeNow();
    }

    // ---- windows ----

    public MaintenanceWindow addWindow(MaintenanceWindow requested) {
        synchronized (transitions) {
            List<MaintenanceWindow> windows = new ArrayList<>(store.windows());
            MaintenanceWindow named = requested;
            if (requested.getName().isBlank()) {
                named = requested.toBuilder().setName(freeName(windows)).build();
            }
            String name = named.getName();
            if (windows.stream().anyMatch(w -> w.getName().equals(name))) {
                throw new WindowSpecException("window '" + name + "' already exists: remove it first (molt window rm " + name + ") or pick another --name");
            }
            Window window = WindowProtos.toWindow(named);
            MaintenanceWindow stored = WindowProtos.normalized(named, window);
            windows.add(stored);
            store.putWindows(windows);
            LOG.info("window " + name + " added: " + window.describe());
            wakeNow();
            return withNext(stored, window);
        }
    }

    public ListWindowsResponse listWindows() {
        Instant now = clock.instant();
        List<MaintenanceWindow> stored = store.windows();
        List<Window> windows = WindowProtos.toWindows(stored);
        var response = ListWindowsResponse.newBuilder();
        for (int i = 0; i < stored.size(); i++) {
            response.addWindows(withNext(stored.get(i), windows.get(i)));
        }
        Schedule schedule = new Schedule(windows);
        schedule.next(now).ifPresent(o -> response.setNextOpening(WindowProtos.opening(o, schedule, now)));
        StopEstimate estimate = estimate();
        return response.setEstimatedStopMillis(estimate.stop().toMillis()).setMarginMillis(estimate.margin().toMillis()).build();
    }

    public void removeWindow(String name) {
        synchronized (transitions) {
            List<MaintenanceWindow> windows = new ArrayList<>(store.windows());
            if (!windows.removeIf(w -> w.getName().equals(name))) {
                throw new UpgradeException.NotFound("no window '" + name + "' (molt window list shows them)");
            }
            for (ScheduledUpgrade s : store.scheduled()) {
                if (s.getState() == ScheduledState.WAITING && s.getWindowsList().contains(name)) {
                    throw new UpgradeException.FailedPrecondition("window '" + name + "' is named by scheduled upgrade "
                            + s.getId() + ", which waits for it: cancel that first (molt schedules cancel " + s.getId() + ")");
                }
            }
            store.putWindows(windows);
            LOG.info("window " + name + " removed");
            wakeNow();
        }
    }

    /** Whether any maintenance window is open now (policy.require_window asks). */
    public boolean windowOpenNow() {
        return new Schedule(WindowProtos.toWindows(store.windows())).openAt(clock.instant()).isPresent();
    }

    // ---- scheduled upgrades ----

    public ScheduledUpgrade schedule(ScheduleRequest request) {
        String requestId = request.getRequestId();
        if (requestId.isBlank() || requestId.length() > MAX_REQUEST_ID_LENGTH) {
            throw new UpgradeException.InvalidArgument("request_id", "required, at most " + MAX_REQUEST_ID_LENGTH + " characters");
        }
        dev.molt.upgrade.Preflight.validate(request.getSpec());
        for (Blocker b : request.getBlockersList()) {
            BlockerChecks.validate(b);
        }
        synchronized (transitions) {
            Optional<ScheduledUpgrade> earlier = store.scheduled().stream().filter(s -> s.getRequestId().equals(requestId)).findFirst();
            if (earlier.isPresent()) {
                return earlier.get();
            }
            List<String> known = store.windows().stream().map(MaintenanceWindow::getName).toList();
            for (String name : request.getWindowsList()) {
                if (!known.contains(name)) {
                    throw new UpgradeException.NotFound("no window '" + name + "' (molt window list shows them; molt window add makes one)");
                }
            }
            long now = clock.millis();
            ScheduledUpgrade s = ScheduledUpgrade.newBuilder()
                    .setId("s-" + UUID.randomUUID().toString().substring(0, 13))
                    .setRequestId(requestId)
                    .setSpec(request.getSpec())
                    .addAllWindows(request.getWindowsList())
                    .addAllBlockers(request.getBlockersList())
                    .setState(ScheduledState.WAITING)
                    .setReason("scheduled; not evaluated yet")
                    .setCreatedAtMillis(now)
                    .setUpdatedAtMillis(now)
                    .build();
            store.add(s);
            LOG.info("scheduled upgrade " + s.getId() + " (request " + requestId + ")");
            // Evaluated here, in the caller's thread, so that the answer already says what it waits
            // for; the engine then starts it if it may.
            ScheduledUpgrade evaluated = evaluate(s, clock.instant(), estimate(), false).orElse(s);
            wakeNow();
            return evaluated;
        }
    }

    /** Waiting ones first (oldest first), then finished ones, newest first. */
    public List<ScheduledUpgrade> list() {
        List<ScheduledUpgrade> all = new ArrayList<>(store.scheduled());
        all.sort(Comparator.comparing((ScheduledUpgrade s) -> s.getState() != ScheduledState.WAITING)
                .thenComparing(s -> s.getState() == ScheduledState.WAITING ? s.getCreatedAtMillis() : -s.getUpdatedAtMillis()));
        return all;
    }

    public ScheduledUpgrade cancel(String id, String reason) {
        synchronized (transitions) {
            ScheduledUpgrade s = find(id);
            if (s.getState() != ScheduledState.WAITING) {
                throw new UpgradeException.FailedPrecondition("scheduled upgrade " + id + " is " + s.getState()
                        + (s.getUpgradeId().isEmpty() ? "" : " as upgrade " + s.getUpgradeId() + ": cancel that with molt upgrades cancel " + s.getUpgradeId()));
            }
            String why = reason.isBlank() ? "cancelled by the operator" : "cancelled: " + reason;
            return store.update(id, x -> x.toBuilder().setState(ScheduledState.CANCELLED).setReason(why)
                    .setNextCheckMillis(0).setUpdatedAtMillis(clock.millis()).build()).orElseThrow();
        }
    }

    private ScheduledUpgrade find(String id) {
        return store.scheduled().stream().filter(s -> s.getId().equals(id)).findFirst()
                .orElseThrow(() -> new UpgradeException.NotFound("no scheduled upgrade " + id + " (molt schedules list shows them)"));
    }

    // ---- the engine ----

    /** Evaluates every waiting upgrade now, on the scheduler's thread. */
    void wakeNow() {
        if (!closed) {
            executor.execute(this::evaluateAll);
        }
    }

    /** One pass: each waiting upgrade, oldest first; then sleep until the earliest next check. */
    void evaluateAll() {
        if (closed) {
            return;
        }
        forgetPendingWake();
        Instant earliest = null;
        try {
            StopEstimate estimate = estimate();
            for (ScheduledUpgrade s : store.scheduled()) {
                if (s.getState() != ScheduledState.WAITING) {
                    continue;
                }
                // No lock here: blockers may take their timeout. start() takes it.
                Optional<ScheduledUpgrade> after = evaluate(s, clock.instant(), estimate, true);
                if (after.isPresent() && after.get().getState() == ScheduledState.WAITING && after.get().getNextCheckMillis() > 0) {
                    Instant at = Instant.ofEpochMilli(after.get().getNextCheckMillis());
                    earliest = earliest == null || at.isBefore(earliest) ? at : earliest;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "evaluating scheduled upgrades failed; trying again in " + RECHECK, e);
            earliest = clock.instant().plus(RECHECK);
        }
        sleepUntil(earliest);
    }

    /**
     * Decides about one waiting upgrade at {@code now}: start it (window open with room, blockers
     * pass, nothing else running), or record what it waits for. With {@code mayStart} false only
     * the reason is recorded (the Schedule call answers before the engine runs).
     */
    private Optional<ScheduledUpgrade> evaluate(ScheduledUpgrade s, Instant now, StopEstimate estimate, boolean mayStart) {
        ScheduledUpgrade current = store.scheduled().stream().filter(x -> x.getId().equals(s.getId())).findFirst().orElse(null);
        if (current == null || current.getState() != ScheduledState.WAITING) {
            return Optional.ofNullable(current);
        }
        int attempt = current.getAttempts() + 1;
        String upgradeRequestId = attemptRequestId(current.getRequestId(), attempt);
        Optional<Upgrade> already = upgrades.byRequestId(upgradeRequestId);
        if (already.isPresent()) {
            // Started, and the daemon stopped before it wrote so.
            return markStarted(current, already.get(), attempt, "started upgrade " + already.get().getId());
        }
        Schedule schedule;
        try {
            schedule = scheduleFor(current);
        } catch (RuntimeException e) {
            return waiting(current, "its windows cannot be read: " + e.getMessage(), null, Duration.ZERO, null, new Schedule(List.of()));
        }
        Duration needed = estimate.needed();
        Schedule.Decision decision = schedule.decide(now, needed);
        String passed = decision.passedOver().isEmpty() ? ""
                : "; passed over as too short: " + String.join(", ", decision.passedOver());
        return switch (decision) {
            case Schedule.Decision.NoWindow none -> waiting(current, none.why() + " (" + estimate.breakdown() + ")", null, needed, null, schedule);
            case Schedule.Decision.Wait wait -> waiting(current, "waits for window " + schedule.describe(wait.opening())
                    + " (" + estimate.explain() + ")" + passed, wait.opening().start(), needed, wait.opening(), schedule);
            case Schedule.Decision.StartNow open -> {
                String inWindow = "window " + schedule.describe(open.opening()) + " is open, " + WindowTimes.duration(open.left())
                        + " left (" + estimate.explain() + ")";
                Optional<Upgrade> active = upgrades.active();
                if (active.isPresent()) {
                    yield waiting(current, inWindow + ", but upgrade " + active.get().getId() + " is running; looks again in "
                            + WindowTimes.duration(RECHECK), now.plus(RECHECK), needed, open.opening(), schedule);
                }
                if (!mayStart) {
                    yield waiting(current, inWindow + "; starting", now, needed, open.opening(), schedule);
                }
                Optional<String> blocked = blockers.firstFailure(current.getBlockersList());
                if (blocked.isPresent()) {
                    yield waiting(current, inWindow + ", but " + blocked.get() + "; looks again in " + WindowTimes.duration(RECHECK),
                            now.plus(RECHECK), needed, open.opening(), schedule);
                }
                if (!(schedule.decide(clock.instant(), needed) instanceof Schedule.Decision.StartNow)) {
                    // The blockers took long enough for the room to run out: decide again.
                    yield waiting(current, inWindow + "; the blocker checks used up the room, deciding again", clock.instant(),
                            needed, open.opening(), schedule);
                }
                yield start(current, attempt, upgradeRequestId, needed, inWindow);
            }
        };
    }

    private Optional<ScheduledUpgrade> start(ScheduledUpgrade s, int attempt, String upgradeRequestId, Duration needed, String inWindow) {
        synchronized (transitions) {
            ScheduledUpgrade now = find(s.getId());
            if (now.getState() != ScheduledState.WAITING || now.getAttempts() != s.getAttempts()) {
                return Optional.of(now); // cancelled (or changed) while the blockers ran
            }
            Upgrade started;
            try {
                started = upgrades.start(upgradeRequestId, s.getSpec(), guard(s.getId(), needed));
            } catch (UpgradeException e) {
                return waiting(s, inWindow + ", but the upgrade did not start: " + e.getMessage() + "; looks again in "
                        + WindowTimes.duration(RECHECK), clock.instant().plus(RECHECK), needed, null, null);
            }
            LOG.info("scheduled upgrade " + s.getId() + " started upgrade " + started.getId() + ": " + inWindow);
            return markStarted(s, started, attempt, "started upgrade " + started.getId() + ": " + inWindow);
        }
    }

    private Optional<ScheduledUpgrade> markStarted(ScheduledUpgrade s, Upgrade upgrade, int attempt, String why) {
        return store.update(s.getId(), x -> x.getState() != ScheduledState.WAITING ? x : x.toBuilder()
                .setState(ScheduledState.STARTED).setUpgradeId(upgrade.getId())
                .setAttempts(attempt).setReason(why).setNextCheckMillis(0).setUpdatedAtMillis(clock.millis()).build());
    }

    /**
     * Asked by the upgrade right before parking: the window must still have room, every blocker
     * must still pass. An objection aborts that upgrade; the scheduled one goes back to waiting.
     */
    private ParkGuard guard(String scheduledId, Duration needed) {
        return () -> {
            Optional<String> objection;
            try {
                ScheduledUpgrade s = find(scheduledId);
                Schedule schedule = scheduleFor(s);
                Instant now = clock.instant();
                objection = switch (schedule.decide(now, needed)) {
                    case Schedule.Decision.StartNow open -> blockers.firstFailure(s.getBlockersList());
                    default -> Optional.of("the window no longer has the " + WindowTimes.duration(needed) + " needed ("
                            + WindowTimes.duration(schedule.remainingAt(now)) + " left)");
                };
            } catch (RuntimeException e) {
                objection = Optional.of("the scheduled upgrade could not be checked: " + e.getMessage());
            }
            objection.ifPresent(why -> executor.schedule(() -> backToWaiting(scheduledId, why), 0, TimeUnit.MILLISECONDS));
            return objection;
        };
    }

    private void backToWaiting(String scheduledId, String why) {
        synchronized (transitions) {
            store.update(scheduledId, s -> s.getState() != ScheduledState.STARTED ? s : s.toBuilder()
                    .setState(ScheduledState.WAITING)
                    .setReason("upgrade " + s.getUpgradeId() + " was stopped right before parking: " + why + "; waits again")
                    .setNextCheckMillis(clock.instant().plus(RECHECK).toEpochMilli())
                    .setUpdatedAtMillis(clock.millis())
                    .build());
        }
        LOG.info("scheduled upgrade " + scheduledId + " waits again: " + why);
        // Not at once: the upgrade that was stopped is still aborting, and a flapping blocker
        // should not start a preflight per second.
        wakeAt(clock.instant().plus(RECHECK));
    }

    private Optional<ScheduledUpgrade> waiting(ScheduledUpgrade s, String why, Instant nextCheck, Duration needed,
            dev.molt.window.Opening opening, Schedule schedule) {
        Instant now = clock.instant();
        return store.update(s.getId(), x -> {
            if (x.getState() != ScheduledState.WAITING) {
                return x;
            }
            var b = x.toBuilder().setReason(why).setNeededMillis(needed.toMillis())
                    .setNextCheckMillis(nextCheck == null ? 0 : nextCheck.toEpochMilli());
            if (opening != null && schedule != null) {
                b.setOpening(WindowProtos.opening(opening, schedule, now));
            } else if (opening == null && schedule != null) {
                b.clearOpening();
            }
            ScheduledUpgrade changed = b.build();
            // Only a change of substance is written: each evaluation would otherwise sync a record.
            return changed.equals(x) ? x : changed.toBuilder().setUpdatedAtMillis(clock.millis()).build();
        });
    }

    private Schedule scheduleFor(ScheduledUpgrade s) {
        List<Window> all = WindowProtos.toWindows(store.windows());
        if (s.getWindowsList().isEmpty()) {
            return new Schedule(all);
        }
        List<Window> chosen = all.stream().filter(w -> s.getWindowsList().contains(w.name())).toList();
        if (chosen.size() < s.getWindowsCount()) {
            throw new IllegalStateException("windows " + s.getWindowsList() + " are not all defined");
        }
        return new Schedule(chosen);
    }

    StopEstimate estimate() {
        return StopEstimate.from(upgrades.recent(50));
    }

    static String attemptRequestId(String requestId, int attempt) {
        return attempt == 1 ? requestId : requestId + "#" + attempt;
    }

    private MaintenanceWindow withNext(MaintenanceWindow stored, Window window) {
        Instant now = clock.instant();
        return new Schedule(List.of(window)).next(now)
                .map(o -> stored.toBuilder().setNextStartMillis((o.contains(now) ? now : o.start()).toEpochMilli()).build())
                .orElse(stored);
    }

    private static String freeName(List<MaintenanceWindow> windows) {
        for (int i = 1; ; i++) {
            String name = "w-" + i;
            if (windows.stream().noneMatch(w -> w.getName().equals(name))) {
                return name;
            }
        }
    }

    private synchronized void forgetPendingWake() {
        if (nextWake != null) {
            nextWake.cancel(false); // the pass that runs now looks at everything
        }
        nextWake = null;
        nextWakeAt = null;
    }

    private synchronized void sleepUntil(Instant at) {
        if (at == null) {
            return; // nothing to wait for until the API changes something
        }
        wakeAt(at);
    }

    private synchronized void wakeAt(Instant at) {
        if (closed) {
            return;
        }
        Instant now = clock.instant();
        Instant capped = at.isAfter(now.plus(MAX_SLEEP)) ? now.plus(MAX_SLEEP) : at;
        if (nextWake != null && !nextWake.isDone()) {
            if (nextWakeAt != null && !nextWakeAt.isAfter(capped)) {
                return; // an earlier wake comes anyway and will look at everything
            }
            nextWake.cancel(false);
        }
        long delay = Math.max(0, Duration.between(now, capped).toMillis());
        nextWakeAt = capped;
        nextWake = executor.schedule(this::evaluateAll, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        try {
            // A pass under way may be running a blocker: let it end before the store closes.
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warning("the scheduler's pass did not end within 10 s of closing");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
