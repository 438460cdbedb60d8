package dev.molt.upgrade;

import dev.molt.api.v1.StopReport;
import java.util.Map;

/**
 * The stop report from the journal's wall-clock marks. Wall clock, not a monotonic clock, because
 * the stop spans two processes (and, with kexec, two kernels); the marks are written by the
 * coordinator before and after the switch.
 */
public final class StopReports {
    // Marks, in the order they are made.
    public static final String PARK_START = "park-start";
    public static final String PARKED = "parked";
    public static final String DUMP_MILLIS = "dump-millis";
    public static final String PERSIST_MILLIS = "persist-millis";
    public static final String PERSISTED = "persisted";
    public static final String SWITCH_START = "switch-start";
    public static final String DAEMON_START = "daemon-start";
    public static final String RESUME_START = "resume-start";
    public static final String EXPORT_MILLIS = "export-millis";
    public static final String RESTORED = "restored";
    public static final String VERIFIED = "verified";
    public static final String UNPARKED = "unparked";
    public static final String IMAGE_BYTES = "image-bytes";
    public static final String STORED_BYTES = "stored-bytes";
    /** Set when the boot hook restored and unparked every workload: RESUME_START is its start. */
    public static final String BOOT_RESTORE = "boot-restore";

    private StopReports() {}

    public static StopReport from(Map<String, Long> m) {
        StopReport.Builder r = StopReport.newBuilder();
        phase(r, "park", m.get(PARKED), m.get(PARK_START));
        phase(r, "dump", m.get(DUMP_MILLIS), 0L);
        phase(r, "persist", m.get(PERSIST_MILLIS), 0L);
        Long dumped = sum(m.get(PARKED), m.get(DUMP_MILLIS), m.get(PERSIST_MILLIS));
        phase(r, "pre-switch", m.get(SWITCH_START), dumped);
        // Restored at boot: the switch ends where the boot hook starts, and moltd's start is not on
        // the path at all.
        boolean atBoot = m.containsKey(BOOT_RESTORE);
        phase(r, "switch", atBoot ? m.get(RESUME_START) : m.get(DAEMON_START), m.get(SWITCH_START));
        if (!atBoot) {
            phase(r, "coordinator-start", m.get(RESUME_START), m.get(DAEMON_START));
        }
        // Restore splits into checking the images (a spooled snapshot's checksums, or the export
        // of a stored one, every chunk verified) and the rest, CRIU's restore itself.
        long export = m.getOrDefault(EXPORT_MILLIS, 0L);
        phase(r, "check-images", m.containsKey(RESTORED) ? export : null, 0L);
        phase(r, "restore", m.get(RESTORED), m.containsKey(RESUME_START) ? m.get(RESUME_START) + export : null);
        phase(r, "verify", m.get(VERIFIED), m.get(RESTORED));
        phase(r, "unpark", m.get(UNPARKED), m.get(VERIFIED));
        if (m.containsKey(UNPARKED) && m.containsKey(PARK_START)) {
            r.setTotalStopMillis(m.get(UNPARKED) - m.get(PARK_START));
        }
        r.setImageBytes(m.getOrDefault(IMAGE_BYTES, 0L)).setStoredBytes(m.getOrDefault(STORED_BYTES, 0L));
        return r.build();
    }

    private static Long sum(Long a, Long b, Long c) {
        return a == null || b == null || c == null ? null : a + b + c;
    }

    private static void phase(StopReport.Builder r, String name, Long end, Long start) {
        if (end != null && start != null) {
            r.addPhases(StopReport.Phase.newBuilder().setName(name).setMillis(Math.max(0, end - start)));
        }
    }

    /** "park 12 ms, dump 640 ms, ... | stop 2.31 s" */
    public static String humanReadable(StopReport report) {
        StringBuilder b = new StringBuilder();
        for (StopReport.Phase p : report.getPhasesList()) {
            b.append(String.format(java.util.Locale.ROOT, "  %-18s %8d ms%n", p.getName(), p.getMillis()));
        }
        b.append(String.format(java.util.Locale.ROOT, "  %-18s %8d ms  (%.2f s)%n", "total stop",
                report.getTotalStopMillis(), report.getTotalStopMillis() / 1000.0));
        return b.toString();
    }
}
