package dev.molt.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.journal.Journal;
import dev.molt.journal.Journal.Entry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JournalTest {

    @TempDir Path tmp;
    MoltStore store;
    Journal journal;

    @BeforeEach
    void open() throws IOException {
        store = MoltStore.open(tmp.resolve("store"));
        journal = store.journal();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void appendNumbersRecordsFromOneAndReadReturnsThemInOrder() {
        assertThat(journal.append("upgrade-1", bytes("plan"))).isEqualTo(1);
        assertThat(journal.append("upgrade-1", bytes("park"))).isEqualTo(2);
        assertThat(journal.append("upgrade-1", bytes("dump"))).isEqualTo(3);

        assertThat(texts(journal.read("upgrade-1", 0))).containsExactly("1:plan", "2:park", "3:dump");
        assertThat(texts(journal.read("upgrade-1", 2))).containsExactly("3:dump");
        assertThat(journal.read("upgrade-1", 3)).isEmpty();
        assertThat(journal.last("upgrade-1")).hasValueSatisfying(e -> {
            assertThat(e.stream()).isEqualTo("upgrade-1");
            assertThat(e.sequence()).isEqualTo(3);
            assertThat(e.record()).asString(UTF_8).isEqualTo("dump");
        });
    }

    @Test
    void aStreamWithoutRecordsHasNoLastRecord() {
        assertThat(journal.last("nothing")).isEmpty();
        assertThat(journal.read("nothing", 0)).isEmpty();
        assertThat(journal.streams()).isEmpty();
    }

    @Test
    void streamsAreKeptApartEvenWhenOneNameExtendsAnother() {
        journal.append("a", bytes("a1"));
        journal.append("ab", bytes("ab1"));
        journal.append("a", bytes("a2"));

        assertThat(texts(journal.read("a", 0))).containsExactly("1:a1", "2:a2");
        assertThat(texts(journal.read("ab", 0))).containsExactly("1:ab1");
        assertThat(journal.last("a").orElseThrow().sequence()).isEqualTo(2);
    }

    @Test
    void streamsAreListedInCreationOrder() {
        journal.append("zeta", bytes("1"));
        journal.append("alpha", bytes("1"));
        journal.append("zeta", bytes("2"));
        journal.append("mid", bytes("1"));

        assertThat(journal.streams()).containsExactly("zeta", "alpha", "mid");
    }

    @Test
    void indexKeysArePutReadAndRemoved() {
        journal.put("active-upgrade", bytes("upgrade-1"));
        journal.put("request/42", bytes("done"));
        journal.put("active-upgrade", bytes("upgrade-2"));

        assertThat(journal.get("active-upgrade")).hasValueSatisfying(
                v -> assertThat(v).asString(UTF_8).isEqualTo("upgrade-2"));
        journal.remove("active-upgrade");
        journal.remove("never-set");
        assertThat(journal.get("active-upgrade")).isEmpty();
        assertThat(journal.get("request/42")).isPresent();
    }

    @Test
    void everythingSurvivesReopenAndSequencesContinue() throws IOException {
        journal.append("upgrade-1", bytes("plan"));
        journal.append("upgrade-1", bytes("park"));
        journal.append("upgrade-2", bytes("plan"));
        journal.put("active-upgrade", bytes("upgrade-2"));
        store.close();

        store = MoltStore.open(tmp.resolve("store"));
        journal = store.journal();

        assertThat(texts(journal.read("upgrade-1", 0))).containsExactly("1:plan", "2:park");
        assertThat(journal.append("upgrade-1", bytes("dump"))).isEqualTo(3);
        assertThat(journal.append("upgrade-3", bytes("plan"))).isEqualTo(1);
        assertThat(journal.streams()).containsExactly("upgrade-1", "upgrade-2", "upgrade-3");
        assertThat(journal.get("active-upgrade")).isPresent();
    }

    @Test
    void aReadOnlyStoreReadsTheJournalAndRefusesWrites() throws IOException {
        journal.append("upgrade-1", bytes("switch"));
        store.close();

        store = MoltStore.openReadOnly(tmp.resolve("store"));

        assertThat(texts(store.journal().read("upgrade-1", 0))).containsExactly("1:switch");
        assertThatThrownBy(() -> store.journal().append("upgrade-1", bytes("resume")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("append to journal stream upgrade-1")
                .hasMessageContaining("read-only");
    }

    @Test
    void invalidNamesAreRejected() {
        assertThatThrownBy(() -> journal.append("", bytes("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("journal stream name '' must be non-empty");
        assertThatThrownBy(() -> journal.append("a\0b", bytes("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without NUL");
        assertThatThrownBy(() -> journal.put("", bytes("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("journal index key");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static List<String> texts(List<Entry> entries) {
        return entries.stream().map(e -> e.sequence() + ":" + new String(e.record(), UTF_8)).toList();
    }
}
