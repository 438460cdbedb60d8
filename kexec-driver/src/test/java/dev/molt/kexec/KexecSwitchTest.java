package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.kexec.FakeKexecLoader.FakeKernelRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kexec switch's checks and state, on a fake kernel root with a fake loader: the real
 * system calls are exercised only in the QEMU guest tests.
 */
class KexecSwitchTest {

    static final String HOST_CMDLINE = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-50-amd64 root=UUID=abcd ro quiet";

    @TempDir
    Path dir;

    Path kernel;
    Path initrd;
    FakeKernelRoot host;
    FakeKexecLoader loader;
    KexecSwitch kexec;

    @BeforeEach
    void setUp() throws IOException {
        kernel = new BzImageBuilder().writeTo(dir.resolve("vmlinuz-6.1.0-56-amd64"));
        initrd = Files.write(dir.resolve("initrd.img"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
        host = new FakeKernelRoot(dir.resolve("root"), true, HOST_CMDLINE);
        loader = new FakeKexecLoader(host);
        kexec = new KexecSwitch(loader, host.runningKernel());
    }

    @Test
    void prepareStagesTheKernelWithTheGivenCommandLine() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, initrd, "root=/dev/vda ro molt.resume=1"));

        assertThat(loader.loads).containsExactly(new FakeKexecLoader.Load(kernel, initrd, "root=/dev/vda ro molt.resume=1"));
        assertThat(kexec.staged()).hasValueSatisfying(staged -> {
            assertThat(staged.kernel().release()).isEqualTo("6.1.0-56-amd64");
            assertThat(staged.initrd()).isEqualTo(initrd);
        });
    }

    @Test
    void anEmptyCommandLineReusesTheRunningKernelsWithoutBootImage() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, initrd, " "));

        assertThat(loader.loads.getFirst().cmdline()).isEqualTo("root=UUID=abcd ro quiet");
    }

    @Test
    void aNullCommandLineReusesTheRunningKernels() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, null, null));

        assertThat(loader.loads).containsExactly(new FakeKexecLoader.Load(kernel, null, "root=UUID=abcd ro quiet"));
    }

    @Test
    void prepare_error_invalidKernelIsRefusedBeforeAnyLoad() throws IOException {
        Path notAKernel = Files.writeString(dir.resolve("notes.txt"), "not a kernel at all".repeat(100));

        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(notAKernel, initrd, "ro")))
                .isInstanceOfSatisfying(SwitchException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SwitchException.Reason.INVALID_IMAGE);
                    assertThat(e.getMessage()).isEqualTo("kernel " + notAKernel
                            + ": not a bzImage: no boot sector signature 0xAA55 at 0x1FE");
                    assertThat(e.getCause()).isInstanceOf(KernelImageException.class);
                });
        assertThat(loader.loads).isEmpty();
        assertThat(kexec.staged()).isEmpty();
    }

    @Test
    void prepare_error_missingInitrdIsRefusedBeforeAnyLoad() {
        Path missing = dir.resolve("initrd.img-missing");

        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(kernel, missing, "ro")))
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.INVALID_IMAGE))
                .hasMessage("initrd " + missing + ": does not exist");
        assertThat(loader.loads).isEmpty();
    }

    @Test
    void prepare_error_emptyInitrdIsRefused() throws IOException {
        Path empty = Files.createFile(dir.resolve("initrd.img-empty"));

        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(kernel, empty, "ro")))
                .hasMessage("initrd " + empty + ": is empty");
    }

    @Test
    void prepare_error_commandLineLongerThanTheImageAcceptsIsRefused() {
        String longest = "x".repeat(2047 - 1 - 30);
        String tooLong = longest + "y";

        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(kernel, initrd, tooLong)))
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.INVALID_PLAN))
                .hasMessageStartingWith("the command line is 2017 bytes; 6.1.0-56-amd64 accepts at most 2016");
        assertThat(loader.loads).isEmpty();
    }

    @Test
    void theLongestCommandLineTheImageAcceptsIsLoaded() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, initrd, "x".repeat(2016)));

        assertThat(loader.loads).hasSize(1);
    }

    @Test
    void prepare_error_aKernelWithoutKexecIsNotSupported() {
        FakeKernelRoot noKexec = new FakeKernelRoot(dir.resolve("nokexec"), false, HOST_CMDLINE);
        FakeKexecLoader neverCalled = new FakeKexecLoader(noKexec);
        KexecSwitch onHost = new KexecSwitch(neverCalled, noKexec.runningKernel());

        assertThatThrownBy(() -> onHost.prepare(new SwitchPlan(kernel, initrd, null)))
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_SUPPORTED))
                .hasMessageContaining("no /sys/kernel/kexec_loaded").hasMessageContaining("restart switch");
        assertThat(neverCalled.loads).isEmpty();
    }

    @Test
    void prepare_error_disabledLoadsAreNotPermitted() {
        host.disableLoads();

        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(kernel, initrd, null)))
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_PERMITTED))
                .hasMessageContaining("kexec_load_disabled");
        assertThat(loader.loads).isEmpty();
    }

    @Test
    void prepare_error_aRefusedLoadKeepsItsErrnoAndNothingIsStaged() {
        loader.failLoadWith = new SwitchException(SwitchException.Reason.LOAD_REFUSED, "EKEYREJECTED", Errno.EKEYREJECTED, null);

        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(kernel, initrd, null)))
                .isSameAs(loader.failLoadWith);
        assertThat(kexec.staged()).isEmpty();
    }

    @Test
    void prepare_error_aLoadTheKernelDoesNotShowIsRefused() {
        loader.loadLeavesNothingStaged = true;

        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(kernel, initrd, null)))
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.LOAD_REFUSED))
                .hasMessageContaining("/sys/kernel/kexec_loaded is not 1");
    }

    @Test
    void cancelUnloadsOnceAndIsIdempotent() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, initrd, null));

        kexec.cancel();
        kexec.cancel();

        assertThat(loader.unloads).isEqualTo(1);
        assertThat(kexec.staged()).isEmpty();
    }

    @Test
    void cancelAfterAFailedLoadStillUnloads() {
        loader.failLoadWith = new SwitchException(SwitchException.Reason.LOAD_REFUSED, "ENOMEM", Errno.ENOMEM, null);
        assertThatThrownBy(() -> kexec.prepare(new SwitchPlan(kernel, initrd, null))).isInstanceOf(SwitchException.class);

        kexec.cancel();

        assertThat(loader.unloads).isEqualTo(1);
    }

    @Test
    void cancelWithoutPrepareDoesNothing() {
        kexec.cancel();

        assertThat(loader.unloads).isZero();
    }

    @Test
    void executeEntersTheStagedKernel() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, initrd, null));

        assertThatThrownBy(kexec::execute).isInstanceOf(FakeKexecLoader.Rebooted.class);
        assertThat(loader.reboots).isEqualTo(1);
    }

    @Test
    void execute_error_withoutPrepareIsNotPrepared() {
        assertThatThrownBy(kexec::execute)
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_PREPARED));
        assertThat(loader.reboots).isZero();
    }

    @Test
    void execute_error_afterCancelIsNotPrepared() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, initrd, null));
        kexec.cancel();

        assertThatThrownBy(kexec::execute).isInstanceOfSatisfying(SwitchException.class,
                e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_PREPARED));
        assertThat(loader.reboots).isZero();
    }

    @Test
    void execute_error_whenSomethingElseUnloadedTheKernel() throws SwitchException {
        kexec.prepare(new SwitchPlan(kernel, initrd, null));
        host.setKexecLoaded(false);

        assertThatThrownBy(kexec::execute)
                .isInstanceOfSatisfying(SwitchException.class,
                        e -> assertThat(e.reason()).isEqualTo(SwitchException.Reason.NOT_PREPARED))
                .hasMessageContaining("kexec_loaded is 0");
        assertThat(loader.reboots).isZero();
    }

    @Test
    void theEnvironmentChoosesTheLoader() {
        assertThat(KexecSwitch.fromEnvironment(Map.of()).loader()).isInstanceOf(SyscallKexecLoader.class);
        assertThat(KexecSwitch.fromEnvironment(Map.of("MOLT_KEXEC", "kexec-tools")).loader())
                .isInstanceOf(KexecToolsLoader.class);
        assertThatThrownBy(() -> KexecSwitch.fromEnvironment(Map.of("MOLT_KEXEC", "kexec_load")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("MOLT_KEXEC=kexec_load is not a kexec loader: use syscall (kexec_file_load, the default), kexec-tools,");
    }

    @Test
    void theSwitchIsNamedKexec() {
        assertThat(kexec.name()).isEqualTo("kexec");
    }
}
