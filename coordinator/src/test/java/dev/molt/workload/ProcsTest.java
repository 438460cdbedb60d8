package dev.molt.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProcsTest {

    final Procs procs = Procs.host();
    TestCgroup test;

    @BeforeEach
    void createCgroup() throws Exception {
        test = TestCgroup.create();
    }

    @AfterEach
    void removeCgroup() throws Exception {
        test.close();
    }

    @Test
    void readsAProcesssStatus() throws Exception {
        Process sleeper = test.start(test.child("app"), "sleep", "1000");
        TestCgroup.await("sleep to sleep", () -> {
            try {
                return procs.status(sleeper.pid()).orElseThrow().state() == 'S';
            } catch (WorkloadException e) {
                return false;
            }
        });

        ProcStatus status = procs.status(sleeper.pid()).orElseThrow();

        assertThat(status.name()).isEqualTo("sleep");
        assertThat(status.ppid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(status.state()).isEqualTo('S');
        assertThat(status.nsPids()).containsExactly(sleeper.pid());
        assertThat(status.isNamespaceInit()).isFalse();
    }

    @Test
    void seesTheNamespacePidsOfAPidNamespaceInit() throws Exception {
        Process unshare = test.start(test.child("app"), "unshare", "--pid", "--fork", "setsid", "sleep", "1000");
        long init = test.awaitChild(unshare).pid();

        ProcStatus status = procs.status(init).orElseThrow();

        assertThat(status.nsPids()).containsExactly(init, 1L);
        assertThat(status.innermostPid()).isEqualTo(1);
        assertThat(status.isNamespaceInit()).isTrue();
        assertThat(status.ppid()).isEqualTo(unshare.pid());
    }

    @Test
    void findsChildrenAndDescendants() throws Exception {
        Process shell = test.start(test.child("app"), "sh", "-c", "sh -c 'sleep 1000 & wait' & sleep 1000 & wait");
        List<Long> descendants = test.awaitDescendants(shell.pid(), 3);

        List<Long> children = procs.children(shell.pid());

        assertThat(children).hasSize(2);
        assertThat(descendants).containsAll(children).hasSize(3);
        for (long pid : descendants) {
            assertThat(procs.status(pid).orElseThrow().name()).isIn("sh", "sleep");
        }
    }

    @Test
    void anUnknownPidIsAbsent() throws Exception {
        long unused = TestCgroup.unusedPid();

        assertThat(procs.status(unused)).isEmpty();
        assertThat(procs.exists(unused)).isFalse();
        assertThat(procs.children(unused)).isEmpty();
    }

    @Test
    void tellsKernelThreadsFromProcesses() throws Exception {
        assertThat(procs.isKernelThread(AnyKernelThread.pid())).isTrue();
        assertThat(procs.isKernelThread(ProcessHandle.current().pid())).isFalse();
    }

    @Test
    void parsesStatusAndStatLines() {
        ProcStatus status = Procs.parseStatus(42, List.of("Name:\tmy server", "State:\tD (disk sleep)", "Tgid:\t42",
                "PPid:\t7", "NSpid:\t42\t5\t1"));
        assertThat(status).isEqualTo(new ProcStatus(42, "my server", 'D', 7, List.of(42L, 5L, 1L)));

        String stat = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0";
        assertThat(Procs.statFlags(stat) & Procs.PF_KTHREAD).isNotZero();
        String tricky = "99 (a) b) (c) S 1 99 99 0 -1 4194560 0 0";
        assertThat(Procs.statFlags(tricky)).isEqualTo(4194560);
    }

    /** A kernel thread on this host: there is always one (kthreadd, kworkers) outside containers. */
    static final class AnyKernelThread {
        static long pid() throws Exception {
            Procs procs = Procs.host();
            for (long pid : procs.allPids()) {
                if (procs.isKernelThread(pid)) {
                    return pid;
                }
            }
            throw new AssertionError("no kernel thread visible in /proc: is this a container's pid namespace?");
        }
    }
}
