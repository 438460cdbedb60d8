package dev.molt.criu.nativeio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Starts a program with {@code posix_spawn}, handing it chosen fds of this JVM at chosen numbers.
 *
 * <p>In the child: stdin is /dev/null; stdout and stderr go to {@code output} (appended) or are
 * inherited; each {@code childFds} entry {@code n -> parentFd} puts {@code parentFd} at {@code n}
 * (dup2 clears close-on-exec); every other fd from the highest {@code n}+1 up is closed; the signal
 * mask is empty and every signal has its default action (the JVM's own dispositions and blocked
 * signals must not leak into the child). A {@code #!} script works (the kernel runs its
 * interpreter).
 */
public final class Spawn {

    /** What to start; {@code argv.get(0)} is the program's name for itself. */
    public record Request(
            Path executable,
            List<String> argv,
            Map<String, String> environment,
            Map<Integer, Integer> childFds,
            Optional<Path> output) {

        public Request {
            argv = List.copyOf(argv);
            environment = Map.copyOf(environment);
            childFds = new TreeMap<>(childFds);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("argv must hold at least the program name");
            }
            for (var entry : childFds.entrySet()) {
                if (entry.getKey() < 3) {
                    throw new IllegalArgumentException(
                            "child fd " + entry.getKey() + " is stdin/stdout/stderr; use fds >= 3");
                }
                if (childFds.containsKey(entry.getValue()) && !entry.getValue().equals(entry.getKey())) {
                    throw new IllegalArgumentException("parent fd " + entry.getValue()
                            + " is also a target child fd; dup2 order would clobber it");
                }
            }
        }
    }

    private Spawn() {}

    /** Starts the program; the returned child must be reaped (close it). */
    public static ChildProcess spawn(Request request) throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(Posix.FILE_ACTIONS_BYTES, 16);
            MemorySegment attr = arena.allocate(Posix.SPAWN_ATTR_BYTES, 16);
            Posix.check((int) Posix.FILE_ACTIONS_INIT.invokeExact(actions), "posix_spawn_file_actions_init");
            try {
                Posix.check((int) Posix.ATTR_INIT.invokeExact(attr), "posix_spawnattr_init");
                try {
                    addFileActions(arena, actions, request);
                    setSignals(arena, attr);
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int rc = (int) Posix.POSIX_SPAWN.invokeExact(
                            pid,
                            arena.allocateFrom(request.executable().toString()),
                            actions,
                            attr,
                            cStrings(arena, request.argv()),
                            cStrings(arena, environment(request.environment())));
                    Posix.check(rc, "posix_spawn(" + request.executable() + ")");
                    return new ChildProcess(pid.get(JAVA_INT, 0), request.executable().getFileName().toString());
                } finally {
                    int ignored = (int) Posix.ATTR_DESTROY.invokeExact(attr);
                }
            } finally {
                int ignored = (int) Posix.FILE_ACTIONS_DESTROY.invokeExact(actions);
            }
        } catch (PosixException e) {
            throw e;
        } catch (Throwable t) {
            throw Posix.linkageFailure("posix_spawn", t);
        }
    }

    private static void addFileActions(Arena arena, MemorySegment actions, Request request) throws Throwable {
        Posix.check((int) Posix.FILE_ACTIONS_ADDOPEN.invokeExact(
                actions, 0, arena.allocateFrom("/dev/null"), Posix.O_RDONLY, 0), "addopen(0, /dev/null)");
        if (request.output().isPresent()) {
            String out = request.output().get().toString();
            Posix.check((int) Posix.FILE_ACTIONS_ADDOPEN.invokeExact(
                    actions, 1, arena.allocateFrom(out), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_APPEND, 0644),
                    "addopen(1, " + out + ")");
            Posix.check((int) Posix.FILE_ACTIONS_ADDDUP2.invokeExact(actions, 1, 2), "adddup2(1, 2)");
        }
        int highest = 2;
        for (var entry : request.childFds().entrySet()) {
            // glibc (>= 2.29) clears FD_CLOEXEC also when source and target are the same fd.
            Posix.check((int) Posix.FILE_ACTIONS_ADDDUP2.invokeExact(actions, (int) entry.getValue(), (int) entry.getKey()),
                    "adddup2(" + entry.getValue() + ", " + entry.getKey() + ")");
            highest = Math.max(highest, entry.getKey());
        }
        Posix.check((int) Posix.FILE_ACTIONS_ADDCLOSEFROM.invokeExact(actions, highest + 1),
                "addclosefrom_np(" + (highest + 1) + ")");
    }

    private static void setSignals(Arena arena, MemorySegment attr) throws Throwable {
        MemorySegment empty = arena.allocate(Posix.SIGSET_BYTES, 8);
        MemorySegment all = arena.allocate(Posix.SIGSET_BYTES, 8);
        int ignored = (int) Posix.SIGEMPTYSET.invokeExact(empty);
        ignored = (int) Posix.SIGFILLSET.invokeExact(all);
        Posix.check((int) Posix.ATTR_SETSIGMASK.invokeExact(attr, empty), "posix_spawnattr_setsigmask");
        Posix.check((int) Posix.ATTR_SETSIGDEFAULT.invokeExact(attr, all), "posix_spawnattr_setsigdefault");
        short flags = (short) (Posix.POSIX_SPAWN_SETSIGMASK | Posix.POSIX_SPAWN_SETSIGDEF);
        Posix.check((int) Posix.ATTR_SETFLAGS.invokeExact(attr, flags), "posix_spawnattr_setflags");
    }

    private static List<String> environment(Map<String, String> environment) {
        List<String> entries = new ArrayList<>(environment.size());
        new TreeMap<>(environment).forEach((k, v) -> entries.add(k + "=" + v));
        return entries;
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment cStrings(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }
}
