package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance windows with the real clock, the real daemon and a real on-host upgrade (restart
 * switch): a scheduled upgrade waits for a window opening seconds from now, waits on inside it
 * while its blocker fails, survives moltd restarting while it waits, and starts inside the window
 * once the blocker passes.
 */
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class WindowUpgradeTest {
    /** Long enough for adding the window, scheduling and restarting moltd before it opens. */
    static final Duration OPENS_IN = Duration.ofSeconds(60);
    static final Duration LENGTH = Duration.ofMinutes(30);

    @TempDir
    Path dir;

    TestWorkload workload;
    Molt molt;

    @BeforeEach
    void start() throws Exception {
        Tools.criu();
        workload = TestWorkload.start(dir, 64);
        molt = new Molt(dir);
        molt.startDaemon();
    }

    @AfterEach
    void stop() throws Exception {
        if (molt != null) {
            molt.close();
        }
        if (workload != null) {
            workload.close();
        }
    }

    @Test
    void aScheduledUpgradeWaitsForItsWindowAndItsBlockerThroughARestartAndRunsInsideTheWindow() throws Exception {
        Instant opens = Instant.now().plus(OPENS_IN).truncatedTo(ChronoUnit.SECONDS);
        Instant closes = opens.plus(LENGTH);
        String start = DateTimeFormatter.ofPattern("HH:mm:ss").format(LocalTime.ofInstant(opens, ZoneOffset.UTC));
        Path allow = dir.resolve("allow-upgrade");
        workload.connect();
        workload.ask("before");

        Molt.Result added = molt.cli("window", "add", "--name", "soon", "--days", "daily", "--start", start,
                "--length", "30m", "--zone", "UTC");
        assertThat(added.exit()).as(added.toString()).isZero();
        Molt.Result scheduled = molt.cli("schedule", "--workload", "pid:" + workload.rootPid(), "--switch", "restart",
                "--tcp", "--window", "soon", "--blocker-cmd", "test -f " + allow);
        assertThat(scheduled.exit()).as(scheduled.toString()).isZero();
        String id = scheduled.out().trim();
        assertThat(id).startsWith("s-");
        assertThat(scheduled.err()).contains("WAITING", "waits for window 'soon'", "needs 6m15s");

        Molt.Result status = molt.cli("status");
        assertThat(status.out()).as(status.toString()).contains("next window", "'soon'", start)
                .contains("waiting", id + ": waits for window 'soon'");

        // moltd restarts while the upgrade waits: the store has it, the new daemon waits on (for
        // the window, or, on a slow machine where the window opened meanwhile, for the blocker).
        molt.close();
        molt.startDaemon();
        assertThat(molt.cli("schedules", "list").out()).contains(id, "WAITING");

        // Inside the window the blocker fails: it waits on, and says why.
        Poll.until(OPENS_IN.plusMinutes(2), "the window to open and the blocker to hold the upgrade", () ->
                molt.cli("schedules", "list").out().contains("but blocker `test -f " + allow + "` exited with 1"));
        assertThat(Instant.now()).isAfterOrEqualTo(opens);
        assertThat(molt.cli("upgrades", "list").out()).as("nothing started while blocked").contains("No upgrades yet");
        assertThat(molt.cli("status").out()).contains(id + ": window 'soon'", "is open", "blocker");

        Files.createFile(allow);
        // Kept from the answer that showed it: the restart switch soon takes the daemon away a while.
        var startedList = new java.util.concurrent.atomic.AtomicReference<String>();
        Poll.until(Duration.ofMinutes(2), "the scheduled upgrade to start", () -> {
            String list = molt.cli("schedules", "list").out();
            startedList.set(list);
            return list.contains("STARTED");
        });
        String upgradeId = upgradeIdOf(startedList.get(), id);
        Poll.until(Duration.ofMinutes(4), "upgrade " + upgradeId + " to end", () -> {
            String shown = molt.cli("upgrades", "show", upgradeId).out();
            return shown.contains("DONE") || shown.contains("ABORTED") || shown.contains("FAILED") || shown.contains("ROLLED_BACK");
        });

        Molt.Result shown = molt.cli("-o", "json", "upgrades", "show", upgradeId);
        assertThat(shown.out()).as(shown.toString()).contains("\"state\": \"DONE\"");
        Instant created = Instant.ofEpochMilli(jsonLong(shown.out(), "createdAtMillis"));
        Instant ended = Instant.ofEpochMilli(jsonLong(shown.out(), "updatedAtMillis"));
        assertThat(created).as("started inside the window").isAfterOrEqualTo(opens).isBefore(closes);
        assertThat(ended).as("ended inside the window").isBefore(closes);
        assertThat(workload.ask("after")).as("the same TCP connection answers after the upgrade").endsWith(" after");
        assertThat(workload.ticking(Duration.ofSeconds(30))).isTrue();
        assertThat(workload.tickGaps()).isEmpty();
        assertThat(workload.problems()).isEmpty();
        assertThat(molt.cli("status").out()).contains("no scheduled upgrade");
    }

    @Test
    void invalidWindowsAreRefusedNamingTheBadPart() throws Exception {
        assertRefused("day 'mnd' is not one of mon..sun", "--days", "mon,mnd", "--start", "02:00", "--length", "2h");
        assertRefused("start 25:00 is not a time of day (HH:MM", "--days", "mon", "--start", "25:00", "--length", "2h");
        assertRefused("length must be positive", "--days", "mon", "--start", "02:00", "--length", "0s");
        assertRefused("unknown time zone 'Mars/Base'", "--days", "mon", "--start", "02:00", "--length", "2h", "--zone", "Mars/Base");
        assertRefused("hour '25' is out of range 0-23", "--cron", "0 25 * * *", "--length", "2h");
        assertThat(molt.cli("window", "list").out()).contains("No maintenance windows");
    }

    private void assertRefused(String message, String... options) throws Exception {
        String[] args = new String[options.length + 2];
        args[0] = "window";
        args[1] = "add";
        System.arraycopy(options, 0, args, 2, options.length);
        Molt.Result r = molt.cli(args);
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).as(r.toString()).contains(message);
    }

    private static String upgradeIdOf(String list, String scheduledId) {
        Matcher m = Pattern.compile(Pattern.quote(scheduledId) + "\\s+STARTED\\s+(u-\\S+)").matcher(list);
        assertThat(m.find()).as(list).isTrue();
        return m.group(1);
    }

    private static long jsonLong(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\": \"(\\d+)\"").matcher(json);
        assertThat(m.find()).as(field + " in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }
}
