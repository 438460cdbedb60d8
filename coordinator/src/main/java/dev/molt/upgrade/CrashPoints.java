package dev.molt.upgrade;

import java.io.IOException;
import java.util.Locale;

/**
 * A test hook that kills the coordinator with a real SIGKILL right after a given state is
 * journaled, before its action runs: how the tests prove that every row of the resumption table
 * keeps the workloads alive. Set by the environment variable {@code MOLT_CRASH_AFTER} (a state
 * label: "parking", "dumping", ...); unset in production, where this does nothing.
 */
public final class CrashPoints {
    private final String crashAfter;

    public CrashPoints(String crashAfter) {
        this.crashAfter = crashAfter == null ? "" : crashAfter.trim().toLowerCase(Locale.ROOT);
    }

    public static CrashPoints fromEnvironment() {
        return new CrashPoints(System.getenv("MOLT_CRASH_AFTER"));
    }

    public static CrashPoints none() {
        return new CrashPoints("");
    }

    public void reached(UpgradeState state) {
        reached(state.label());
    }

    /** A point between states: "switched" is after the restart switch ended the trees, before it restarts. */
    public void reached(String point) {
        if (!crashAfter.isEmpty() && crashAfter.equals(point)) {
            killSelf();
        }
    }

    private static void killSelf() {
        long pid = ProcessHandle.current().pid();
        System.err.println("moltd: MOLT_CRASH_AFTER reached, SIGKILL to self (" + pid + ")");
        try {
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start().waitFor();
            Thread.sleep(10_000); // the signal arrives while we wait
        } catch (IOException | InterruptedException e) {
            Runtime.getRuntime().halt(137);
        }
        Runtime.getRuntime().halt(137);
    }
}
