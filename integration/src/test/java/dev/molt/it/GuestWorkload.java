package dev.molt.it;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The guest's workload (integration/guest/baseline/workload.py): a TCP server (the tree's root,
 * a session leader), a counter child appending a line every 100 ms to a file on the root disk, and
 * a local client child holding one TCP connection to the server inside the guest. Started with pids
 * above 4999, out of the way of early boot.
 */
final class GuestWorkload {
    static final String SCRIPT = "/usr/local/lib/molt-baseline/workload.py";
    static final String DATA = "/var/lib/molt-baseline";

    final long rootPid;
    final long counterPid;
    final long localClientPid;

    private GuestWorkload(long rootPid, long counterPid, long localClientPid) {
        this.rootPid = rootPid;
        this.counterPid = counterPid;
        this.localClientPid = localClientPid;
    }

    static GuestWorkload start(QemuGuest guest) throws Exception {
        guest.put(Tools.repoRoot().resolve("integration/guest/baseline/workload.py"), SCRIPT);
        guest.sh("mkdir -p " + DATA + " /var/log/molt-baseline && rm -f " + DATA + "/* && "
                + "echo 4999 > /proc/sys/kernel/ns_last_pid && setsid -f python3 " + SCRIPT + " --port "
                + QemuGuest.WORKLOAD_PORT + " --dir " + DATA + " --local-client"
                + " </dev/null >/var/log/molt-baseline/workload.log 2>&1");
        String pids = guest.sh("for i in $(seq 600); do [ -s " + DATA + "/local-client.log ] && break; sleep 0.1; done; cat "
                + DATA + "/workload.pids").strip();
        long[] p = Arrays.stream(pids.split("\\s+")).mapToLong(Long::parseLong).toArray();
        if (p.length != 3) {
            throw new IllegalStateException("the workload wrote pids '" + pids + "', expected root, counter, local client");
        }
        return new GuestWorkload(p[0], p[1], p[2]);
    }

    List<Long> pids() {
        return List.of(rootPid, counterPid, localClientPid);
    }

    /** One line of counter.log: "seq pid kernel monotonic realtime". */
    record Tick(long seq, long pid, String kernel, double realtime) {}

    static List<Tick> ticks(QemuGuest guest) throws Exception {
        List<Tick> ticks = new ArrayList<>();
        for (String line : guest.sh("cat " + DATA + "/counter.log").split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length >= 5) {
                ticks.add(new Tick(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], Double.parseDouble(f[4])));
            }
        }
        return ticks;
    }

    /** local-client.log: "seq answering-kernel own-kernel" per answer, or "ERROR ..." once. */
    static List<String> localClientLines(QemuGuest guest) throws Exception {
        return guest.sh("cat " + DATA + "/local-client.log").lines().toList();
    }
}
