package dev.molt.scheduler;

import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeState;
import java.time.Duration;
import java.util.List;

/**
 * How long the next upgrade will keep the workloads stopped, and the room it needs in a window.
 * From this host's own past: the longest total stop of its last {@link #SAMPLES} DONE upgrades (the
 * longest, not a mean: a window overrun costs more than a window missed). Without any, a
 * conservative {@link #DEFAULT_STOP}. The margin covers what the stop does not count (preflight's
 * dry-run dump, reconnecting clients): a quarter of the estimate, at least {@link #MIN_MARGIN}.
 *
 * @param stop the estimated stop
 * @param fromHistory how many past upgrades it is taken from (0: the default)
 */
public record StopEstimate(Duration stop, int fromHistory) {
    public static final Duration DEFAULT_STOP = Duration.ofMinutes(5);
    public static final Duration MIN_MARGIN = Duration.ofMinutes(1);
    static final int SAMPLES = 10;

    /** From upgrades newest first (as Upgrader.list gives them). */
    public static StopEstimate from(List<Upgrade> newestFirst) {
        List<Long> stops = newestFirst.stream()
                .filter(u -> u.getState() == UpgradeState.DONE && u.getStopReport().getTotalStopMillis() > 0)
                .limit(SAMPLES)
                .map(u -> u.getStopReport().getTotalStopMillis())
                .toList();
        if (stops.isEmpty()) {
            return new StopEstimate(DEFAULT_STOP, 0);
        }
        return new StopEstimate(Duration.ofMillis(stops.stream().mapToLong(Long::longValue).max().orElseThrow()), stops.size());
    }

    public Duration margin() {
        Duration quarter = stop.dividedBy(4);
        return quarter.compareTo(MIN_MARGIN) > 0 ? quarter : MIN_MARGIN;
    }

    /** What must remain in a window for an upgrade to start. */
    public Duration needed() {
        return stop.plus(margin());
    }

    /** "needs 6m15s: estimated stop 5m (default, no past upgrade) + margin 1m15s" */
    public String explain() {
        return "needs " + dev.molt.window.WindowTimes.duration(needed()) + ": " + breakdown();
    }

    /** "estimated stop 5m (default, no past upgrade) + margin 1m15s" */
    public String breakdown() {
        return "estimated stop " + dev.molt.window.WindowTimes.duration(stop)
                + (fromHistory == 0 ? " (default: no DONE upgrade on this host yet)" : " (longest of the last " + fromHistory + " on this host)")
                + " + margin " + dev.molt.window.WindowTimes.duration(margin());
    }
}
