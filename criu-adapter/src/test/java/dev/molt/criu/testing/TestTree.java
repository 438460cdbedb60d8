package dev.molt.criu.testing;

import dev.molt.criu.ProcessTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process tree a test starts in its own pid namespace: {@code unshare --pid --fork setsid sh -c
 * SCRIPT} (setsid inside the namespace, or CRIU refuses a session leader outside it). stdin is
 * /dev/null and output goes to a file, so the tree holds no pipe to this JVM. {@link #close()}
 * SIGKILLs the namespace's init (which ignores SIGTERM) and every restored copy of it.
 */
public final class TestTree implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern NSPID = Pattern.compile("^NSpid:\\s+(.*)$", Pattern.MULTILINE);

    private final Process unshare;
    private final int rootPid;
    // Handles taken while the pids surely were ours: ProcessHandle checks the start time before it
    // signals, so a reused pid is never killed.
    private final List<ProcessHandle> roots = new ArrayList<>();

    private TestTree(Process unshare, int rootPid) {
        this.unshare = unshare;
        this.rootPid = rootPid;
        ProcessHandle.of(rootPid).ifPresent(roots::add);
    }

    /** Starts {@code sh -c script} as init of a new pid namespace, in {@code dir}. */
    public static TestTree start(Path dir, String script) throws Exception {
        return startCommand(dir, List.of("unshare", "--pid", "--fork", "setsid", "sh", "-c", script));
    }

    /** Starts any command line; the tree's root is the first child of {@code argv}'s process. */
    public static TestTree startCommand(Path dir, List<String> argv) throws Exception {
        Process process = new ProcessBuilder(argv)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("tree.out").toFile()))
                .redirectErrorStream(true)
                .start();
        try {
            int root = Poll.forValue(START_TIMEOUT, "the child of " + argv.getFirst() + " " + process.pid(), () -> {
                List<ProcessTable.Proc> children = ProcessTable.read().children((int) process.pid());
                return children.stream().map(ProcessTable.Proc::pid).findFirst();
            });
            return new TestTree(process, root);
        } catch (Exception | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The namespace's init, as this JVM sees it. */
    public int rootPid() {
        return rootPid;
    }

    /** Kill this restored root too when the test ends. */
    public void restoredAs(int pid) {
        ProcessHandle.of(pid).ifPresent(roots::add);
    }

    /** The pids in every pid namespace of {@code pid}, outermost first (/proc/PID/status NSpid). */
    public static List<Integer> nsPids(int pid) throws IOException {
        Matcher m = NSPID.matcher(ProcessTable.readProcFile(Path.of("/proc", Integer.toString(pid), "status")));
        if (!m.find()) {
            throw new AssertionError("no NSpid line for " + pid);
        }
        List<Integer> pids = new ArrayList<>();
        for (String s : m.group(1).trim().split("\\s+")) {
            pids.add(Integer.parseInt(s));
        }
        return pids;
    }

    /** The pid inside its own (innermost) namespace. */
    public static int innerPid(int pid) throws IOException {
        return nsPids(pid).getLast();
    }

    /** Whether {@code pid} exists and is not a zombie. */
    public static boolean alive(int pid) throws IOException {
        Optional<ProcessTable.Proc> proc = ProcessTable.stat(pid);
        return proc.isPresent() && proc.get().state() != 'Z' && proc.get().state() != 'X';
    }

    @Override
    public void close() throws IOException {
        try {
            killAll();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("could not end the test tree rooted at " + rootPid, e);
        }
    }

    private void killAll() throws Exception {
        roots.forEach(ProcessHandle::destroyForcibly); // SIGKILL: a pid namespace's init ignores SIGTERM
        unshare.destroyForcibly();
        unshare.waitFor();
        for (ProcessHandle root : roots) {
            int pid = (int) root.pid();
            Poll.until(Duration.ofSeconds(10), "pid " + pid + " to be gone", () -> !root.isAlive() || !alive(pid));
        }
    }
}
