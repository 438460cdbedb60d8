package dev.molt.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A real workload: {@code sleep} as the init of its own pid namespace (setsid inside it, as CRIU
 * wants). Ended with SIGKILL (a pid-namespace init ignores SIGTERM).
 */
final class SleepingTree implements AutoCloseable {
    final Process unshare;
    final long rootPid;

    private SleepingTree(Process unshare, long rootPid) {
        this.unshare = unshare;
        this.rootPid = rootPid;
    }

    static SleepingTree start() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("unshare", "--pid", "--fork", "setsid", "sleep", "600")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Path children = Path.of("/proc", Long.toString(p.pid()), "task", Long.toString(p.pid()), "children");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            String text = Files.exists(children) ? Files.readString(children).strip() : "";
            if (!text.isEmpty()) {
                long root = Long.parseLong(text.split("\\s+")[0]);
                // The child first runs setsid, then execs sleep: wait for the exec.
                if (Files.readString(Path.of("/proc", Long.toString(root), "comm")).strip().equals("sleep")) {
                    return new SleepingTree(p, root);
                }
            }
            Thread.sleep(20);
        }
        p.destroyForcibly();
        throw new IOException("unshare --pid --fork setsid sleep 600 started no sleep within 20 s");
    }

    @Override
    public void close() {
        ProcessHandle.of(rootPid).ifPresent(ProcessHandle::destroyForcibly);
        unshare.destroyForcibly();
    }
}
