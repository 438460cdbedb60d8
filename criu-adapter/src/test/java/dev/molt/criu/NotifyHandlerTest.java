package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class NotifyHandlerTest {

    @Test
    void dispatches_by_script_and_acknowledges_scripts_without_a_callback() throws Exception {
        List<String> calls = new ArrayList<>();
        NotifyHandler handler = NotifyHandler.builder()
                .on(NotifyScript.POST_DUMP, n -> calls.add("post-dump"))
                .on(NotifyScript.POST_RESTORE, n -> calls.add("post-restore " + n.pid().getAsInt()))
                .build();

        handler.onNotify(new Notification(NotifyScript.PRE_DUMP, OptionalInt.empty()));
        handler.onNotify(new Notification(NotifyScript.POST_DUMP, OptionalInt.empty()));
        handler.onNotify(new Notification(NotifyScript.POST_RESTORE, OptionalInt.of(7)));

        assertThat(calls).containsExactly("post-dump", "post-restore 7");
    }

    @Test
    void a_second_callback_for_the_same_script_is_refused() {
        NotifyHandler.Builder builder = NotifyHandler.builder().on(NotifyScript.NETWORK_LOCK, n -> {});

        assertThatThrownBy(() -> builder.on(NotifyScript.NETWORK_LOCK, n -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("network-lock")
                .hasMessageContaining("registered already");
    }

    @Test
    void knows_criu_script_names_and_not_others() {
        assertThat(NotifyScript.byName("post-resume")).contains(NotifyScript.POST_RESUME);
        assertThat(NotifyScript.byName("orphan-pts-master")).contains(NotifyScript.ORPHAN_PTS_MASTER);
        assertThat(NotifyScript.byName("something-new")).isEmpty();
    }
}
