package dev.molt.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Cgroup2Test {

    /** Names are resolved without touching the file system, so any mount point will do here. */
    final Cgroup2 hybrid = new Cgroup2(Path.of("/sys/fs/cgroup/unified"), Path.of("/proc"));

    @Test
    void findsTheCgroup2MountFromMountinfo() throws Exception {
        Cgroup2 cgroup2 = Cgroup2.find();

        assertThat(cgroup2.mountPoint().resolve("cgroup.controllers")).isRegularFile();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")))
                .anyMatch(line -> line.contains(" " + cgroup2.mountPoint() + " ") && line.contains(" - cgroup2 "));
    }

    @Test
    void readsTheMountPointOfAHybridOrAPureLayout() {
        List<String> hybrid = List.of(
                "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
                "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
        List<String> pure = List.of(
                "25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate");
        List<String> spaced = List.of("50 20 0:40 / /mnt/my\\040cgroups rw - cgroup2 none rw");

        assertThat(Cgroup2.mountPointIn(hybrid)).contains(Path.of("/sys/fs/cgroup/unified"));
        assertThat(Cgroup2.mountPointIn(pure)).contains(Path.of("/sys/fs/cgroup"));
        assertThat(Cgroup2.mountPointIn(spaced)).contains(Path.of("/mnt/my cgroups"));
        assertThat(Cgroup2.mountPointIn(hybrid.subList(0, 2))).isEmpty();
    }

    @Test
    void resolvesRelativeAbsoluteAndFileSystemNamesToTheSameDirectory() throws Exception {
        Path web = Path.of("/sys/fs/cgroup/unified/molt/web");

        assertThat(hybrid.resolve("molt/web")).isEqualTo(web);
        assertThat(hybrid.resolve("/molt/web")).isEqualTo(web);
        assertThat(hybrid.resolve("/molt/web/")).isEqualTo(web);
        assertThat(hybrid.resolve("/sys/fs/cgroup/unified/molt/web")).isEqualTo(web);
        assertThat(hybrid.resolve("/system.slice/redis-server.service"))
                .isEqualTo(Path.of("/sys/fs/cgroup/unified/system.slice/redis-server.service"));
        assertThat(hybrid.resolve("/")).isEqualTo(hybrid.root());
        assertThat(hybrid.nameOf(web)).isEqualTo("/molt/web");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../etc", "/../../etc", "molt/../../../etc", "molt/..", "./molt", "molt//web",
            "/sys/fs/cgroup/memory/molt", "/sys/fs/cgroup/unified/../memory", "molt/web\n"})
    void refusesTraversalAndPathsOutsideTheMount(String name) {
        assertThatThrownBy(() -> hybrid.resolve(name))
                .isInstanceOfSatisfying(WorkloadException.class, e -> {
                    assertThat(e.reason()).isEqualTo(WorkloadException.Reason.INVALID_NAME);
                    assertThat(e.subject()).isEqualTo(name);
                })
                .hasMessageStartingWith("cgroup name " + name + " ");
    }

    @Test
    void theTraversalMessageSaysWhatToDo() {
        assertThatThrownBy(() -> hybrid.resolve("../../etc"))
                .hasMessage("cgroup name ../../etc contains a '..' segment: cgroup names may not traverse"
                        + " (name the cgroup by its path from the cgroup2 root, e.g. /molt/web)");
    }

    @Test
    void readsAProcesssCgroup() throws Exception {
        try (TestCgroup test = TestCgroup.create()) {
            Path app = test.child("app");
            Process sleeper = test.start(app, "sleep", "1000");

            assertThat(test.cgroup2.cgroupOf(sleeper.pid())).isEqualTo(app);
        }
    }

    @Test
    void cgroupOf_error_anUnknownPid() throws Exception {
        long unused = TestCgroup.unusedPid();

        assertThatThrownBy(() -> Cgroup2.find().cgroupOf(unused))
                .isInstanceOfSatisfying(WorkloadException.class,
                        e -> assertThat(e.reason()).isEqualTo(WorkloadException.Reason.NOT_FOUND))
                .hasMessageStartingWith("no process with pid " + unused);
    }

    @Test
    void findsTheV2LineOfProcPidCgroup() {
        assertThat(Cgroup2.v2PathIn(List.of("9:name=systemd:/", "4:memory:/x", "0::/molt/web"))).contains("/molt/web");
        assertThat(Cgroup2.v2PathIn(List.of("4:memory:/x"))).isEmpty();
    }
}
