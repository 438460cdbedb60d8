package dev.molt.window;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A window that opens at every minute its cron expression names (read as local wall time in its
 * zone) and lasts {@code length}. Starts that a spring-forward gap swallows open at the end of the
 * gap (several of them make one start); starts in a fall-back overlap open once, at the earlier
 * instant.
 */
public record CronWindow(String name, Cron cron, Duration length, ZoneId zone) implements Window {
    public CronWindow {
        Window.checkName(name);
        if (cron == null) {
            throw new WindowSpecException("window '" + name + "' needs a cron expression");
        }
        Window.checkLength(length);
        if (zone == null) {
            throw new WindowSpecException("window '" + name + "' needs a time zone");
        }
    }

    public static CronWindow of(String name, String expression, Duration length, ZoneId zone) {
        return new CronWindow(name, Cron.parse(expression), length, zone);
    }

    @Override
    public List<Opening> occurrences(Instant from, Instant to) {
        Set<Instant> starts = new LinkedHashSet<>();
        LocalDate first = from.minus(length).atZone(zone).toLocalDate().minusDays(1);
        LocalDate last = to.atZone(zone).toLocalDate().plusDays(1);
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            if (!cron.matches(d)) {
                continue;
            }
            for (int h = cron.hours().nextSetBit(0); h >= 0; h = cron.hours().nextSetBit(h + 1)) {
                for (int m = cron.minutes().nextSetBit(0); m >= 0; m = cron.minutes().nextSetBit(m + 1)) {
                    starts.add(WindowTimes.resolve(d.atTime(h, m), zone));
                }
            }
        }
        List<Opening> found = new ArrayList<>();
        for (Instant opens : starts.stream().sorted().toList()) {
            Instant closes = opens.plus(length);
            if (closes.isAfter(from) && opens.isBefore(to)) {
                found.add(new Opening(opens, closes, List.of(name)));
            }
        }
        return found;
    }

    @Override
    public String describe() {
        return "cron '" + cron.expression() + "' for " + WindowTimes.duration(length) + " " + zone.getId();
    }
}
