package dev.molt.scheduler;

import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.Opening;
import dev.molt.window.CronWindow;
import dev.molt.window.Schedule;
import dev.molt.window.WeeklyWindow;
import dev.molt.window.Window;
import dev.molt.window.WindowSpecException;
import dev.molt.window.WindowTimes;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

/**
 * The API's {@link MaintenanceWindow} to and from the domain's {@link Window}: the one place a
 * window from the wire (or the CLI) is checked, so that both give the same messages.
 */
public final class WindowProtos {
    private WindowProtos() {}

    /**
     * The window a message describes.
     *
     * @throws WindowSpecException naming the bad part
     */
    public static Window toWindow(MaintenanceWindow w) {
        boolean weekly = !w.getDaysList().isEmpty() || !w.getStart().isBlank();
        boolean cron = !w.getCron().isBlank();
        String name = w.getName();
        if (weekly && cron) {
            throw new WindowSpecException("window '" + name + "' has both days/start and a cron expression: give one");
        }
        if (!weekly && !cron) {
            throw new WindowSpecException("window '" + name + "' needs --days and --start, or --cron");
        }
        Duration length = Duration.ofMillis(w.getLengthMillis());
        if (cron) {
            var zone = WindowTimes.zone(w.getZone());
            Window.checkLength(length);
            return CronWindow.of(name, w.getCron(), length, zone);
        }
        if (w.getDaysList().isEmpty()) {
            throw new WindowSpecException("window '" + name + "' needs days (--days mon,tue or mon-fri or daily)");
        }
        var days = WindowTimes.days(w.getDaysList());
        var start = WindowTimes.start(w.getStart());
        Window.checkLength(length);
        var zone = WindowTimes.zone(w.getZone());
        return new WeeklyWindow(name, days, start, length, zone);
    }

    /** The stored form: days expanded, the description filled in. */
    public static MaintenanceWindow normalized(MaintenanceWindow w, Window window) {
        var b = w.toBuilder().setDescription(window.describe());
        if (window instanceof WeeklyWindow weekly) {
            b.clearDays();
            for (DayOfWeek d : EnumSet.copyOf(weekly.days())) {
                b.addDays(WindowTimes.dayName(d));
            }
            b.setStart(weekly.start().toString()).setZone(weekly.zone().getId());
        }
        return b.build();
    }

    public static List<Window> toWindows(List<MaintenanceWindow> windows) {
        return windows.stream().map(WindowProtos::toWindow).toList();
    }

    public static Opening opening(dev.molt.window.Opening o, Schedule schedule, Instant now) {
        var zone = schedule.zoneOf(o);
        return Opening.newBuilder()
                .setStartMillis(o.start().toEpochMilli())
                .setEndMillis(o.end().toEpochMilli())
                .addAllWindows(o.windows())
                .setOpenNow(o.contains(now))
                .setStartLocal(schedule.when(o.start(), zone))
                .setEndLocal(schedule.when(o.end(), zone))
                .build();
    }
}
