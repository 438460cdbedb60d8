package dev.molt.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.RocksDB;

/**
 * Guards the RocksDB options against drift: every simple getter of the options Molt builds (its
 * own settings and every default it relies on without saying so) is compared with the checked-in
 * {@code rocksdb-options.txt}. A rocksdbjni upgrade that changes a default, or an edit of {@link
 * StoreOptions}, fails here with the list of what changed. When the change is intended, rerun
 * with {@code -Dmolt.options.update=true} to rewrite the file and commit it with a reason.
 */
class StoreOptionsDriftTest {

    private static final String GOLDEN = "rocksdb-options.txt";
    /** Getters whose value is not an option: native addresses, or bound to this process. */
    private static final Set<String> IGNORED = Set.of("getNativeHandle", "hashCode", "toString",
            "isOwningHandle", "getClass");

    @Test
    void optionsMatchTheCheckedInList() throws IOException {
        RocksDB.loadLibrary();
        Map<String, String> actual = new TreeMap<>();
        try (DBOptions db = StoreOptions.database(false)) {
            actual.putAll(getters("db.", db));
        }
        try (Cache cache = StoreOptions.blockCache(); Filter filter = StoreOptions.bloomFilter()) {
            for (Family family : Family.values()) {
                try (ColumnFamilyOptions cf = StoreOptions.family(family, cache, filter)) {
                    actual.putAll(getters("cf." + family.rocksName() + ".", cf));
                }
            }
        }
        String rendered = render(actual);

        if (Boolean.getBoolean("molt.options.update")) {
            Path file = Path.of("src/test/resources", GOLDEN);
            Files.writeString(file, rendered, StandardCharsets.UTF_8);
            return;
        }
        Map<String, String> expected = parse(readGolden());
        var drift = new ArrayList<String>();
        for (String key : union(expected, actual)) {
            String was = expected.get(key);
            String now = actual.get(key);
            if (!java.util.Objects.equals(was, now)) {
                drift.add(key + ": expected " + was + ", now " + now);
            }
        }
        assertThat(drift)
                .as("RocksDB options changed (rerun with -Dmolt.options.update=true if intended)")
                .isEmpty();
    }

    private static Map<String, String> getters(String prefix, Object options) {
        Map<String, String> values = new TreeMap<>();
        Method[] methods = options.getClass().getMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())
                    || IGNORED.contains(m.getName()) || m.getName().startsWith("set")
                    || m.getName().equals("close") || !simple(m.getReturnType())) {
                continue;
            }
            values.put(prefix + m.getName(), invoke(m, options));
        }
        return values;
    }

    private static boolean simple(Class<?> type) {
        return type.isPrimitive() && type != void.class || type == String.class || type.isEnum()
                || Number.class.isAssignableFrom(type) || type == Boolean.class;
    }

    private static String invoke(Method m, Object target) {
        try {
            return String.valueOf(m.invoke(target));
        } catch (InvocationTargetException e) {
            return "<throws " + e.getCause().getClass().getSimpleName() + ">";
        } catch (IllegalAccessException e) {
            return "<inaccessible>";
        }
    }

    private static String render(Map<String, String> values) {
        var out = new StringBuilder();
        out.append("# Every simple getter of the RocksDB options Molt builds (StoreOptions),\n")
                .append("# checked by StoreOptionsDriftTest. Regenerate with\n")
                .append("# ./mvnw -pl store test -Dtest=StoreOptionsDriftTest -Dmolt.options.update=true\n");
        values.forEach((k, v) -> out.append(k).append(" = ").append(v).append('\n'));
        return out.toString();
    }

    private static String readGolden() throws IOException {
        try (InputStream in = StoreOptionsDriftTest.class.getResourceAsStream("/" + GOLDEN)) {
            assertThat(in).as("test resource %s (generate it with -Dmolt.options.update=true)",
                    GOLDEN).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> parse(String text) {
        Map<String, String> values = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf(" = ");
            values.put(line.substring(0, eq), line.substring(eq + 3));
        }
        return values;
    }

    private static List<String> union(Map<String, String> a, Map<String, String> b) {
        var keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return List.copyOf(keys);
    }
}
