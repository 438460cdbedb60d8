package dev.molt.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * moltd's settings as given, each with where it came from ("/etc/molt/moltd.conf:7", "--listen")
 * so that every error names the line or flag to fix. The file format: one {@code key = value} per
 * line, {@code #} starts a comment line, blank lines are ignored, values are taken as written
 * (no quotes). Each key at most once. The keys are {@link #KEYS}; README.md's configuration
 * section documents them.
 */
public final class Settings {
    /** Every key moltd knows, in the order README.md documents them. */
    public static final List<String> KEYS = List.of(
            "store", "staging", "criu", "socket", "socket_mode", "operator_group", "viewer_group",
            "listen", "tls.cert", "tls.key", "tls.client_ca", "insecure_tcp", "metrics.listen",
            "policy.require_window", "policy.max_stop", "policy.livepatch");

    /** {@code workload.NAME}: one protected workload per line, NAME of the operator's choosing. */
    static final java.util.regex.Pattern WORKLOAD_KEY = java.util.regex.Pattern.compile("workload\\.[a-z0-9][a-z0-9_.-]{0,62}");

    static boolean known(String key) {
        return KEYS.contains(key) || WORKLOAD_KEY.matcher(key).matches();
    }

    /** A value and where it was given. */
    public record Setting(String value, String origin) {}

    private final Map<String, Setting> values = new LinkedHashMap<>();

    /** A bad file or flag: the message starts with the line or flag. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    public static Settings empty() {
        return new Settings();
    }

    /** Reads and checks the syntax of a config file; values are checked by {@link DaemonConfig#from}. */
    public static Settings read(Path file) throws Invalid {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Invalid(file + ": cannot read the configuration file: " + e);
        }
        Settings settings = new Settings();
        for (int i = 0; i < lines.size(); i++) {
            String origin = file + ":" + (i + 1);
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new Invalid(origin + ": '" + line + "' is not 'key = value'");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!known(key)) {
                throw new Invalid(origin + ": unknown key '" + key + "'; the keys are " + String.join(", ", KEYS)
                        + " and workload.NAME (NAME: lower-case letters, digits, '.', '_', '-')");
            }
            Setting earlier = settings.values.get(key);
            if (earlier != null) {
                throw new Invalid(origin + ": '" + key + "' is given again (first at " + earlier.origin() + "); give it once");
            }
            if (value.isEmpty()) {
                throw new Invalid(origin + ": '" + key + "' has no value; remove the line for the default");
            }
            settings.values.put(key, new Setting(value, origin));
        }
        return settings;
    }

    /** Sets {@code key} from a command-line flag, replacing the file's value. Null leaves it. */
    public Settings override(String key, Object value, String flag) {
        if (!KEYS.contains(key)) {
            throw new IllegalArgumentException("unknown key " + key);
        }
        if (value != null) {
            values.put(key, new Setting(String.valueOf(value), flag));
        }
        return this;
    }

    public Optional<Setting> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** The settings whose key starts with {@code prefix}, in the file's order, keyed by the rest. */
    public Map<String, Setting> withPrefix(String prefix) {
        Map<String, Setting> found = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                found.put(k.substring(prefix.length()), v);
            }
        });
        return found;
    }
}
