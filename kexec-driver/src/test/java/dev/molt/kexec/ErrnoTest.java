package dev.molt.kexec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrnoTest {

    @Test
    void refusedLoadsAreClassifiedByWhatTheOperatorCanDo() {
        assertThat(Errno.loadReason(Errno.EPERM)).isEqualTo(SwitchException.Reason.NOT_PERMITTED);
        assertThat(Errno.loadReason(Errno.ENOSYS)).isEqualTo(SwitchException.Reason.NOT_SUPPORTED);
        assertThat(Errno.loadReason(Errno.EKEYREJECTED)).isEqualTo(SwitchException.Reason.LOAD_REFUSED);
        assertThat(Errno.loadReason(Errno.EINVAL)).isEqualTo(SwitchException.Reason.LOAD_REFUSED);
    }

    @Test
    void namesAndHintsSayWhatHappened() {
        assertThat(Errno.name(Errno.EKEYREJECTED)).isEqualTo("EKEYREJECTED (129)");
        assertThat(Errno.name(200)).isEqualTo("errno 200");
        assertThat(Errno.loadHint(Errno.EKEYREJECTED)).contains("signature");
        assertThat(Errno.loadHint(Errno.EPERM)).contains("CAP_SYS_BOOT").contains("kexec_load_disabled");
    }
}
