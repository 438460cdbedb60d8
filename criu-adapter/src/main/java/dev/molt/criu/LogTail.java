package dev.molt.criu;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a CRIU log says about a failure, read once when the error is raised: its error lines and
 * its last lines.
 *
 * @param file the log read, if any
 * @param errors CRIU's "Error (file:line): ..." lines, without the ones it prints on every run
 *     (capped at {@link #MAX_ERRORS})
 * @param tail the last {@link #LINES} lines
 */
public record LogTail(Optional<Path> file, List<String> errors, String tail) {

    /** How many lines an error carries: enough for CRIU's error and what led to it. */
    public static final int LINES = 30;

    public static final int MAX_ERRORS = 10;

    /** Printed on every run and harmless (FIELD-NOTES); also what CRIU puts in cr_errmsg then. */
    private static final Pattern HARMLESS = Pattern.compile("rlimit: Can't setup RLIMIT_NOFILE for self");

    private static final Pattern ERROR = Pattern.compile("Error \\(");

    /** CRIU's timestamp prefix, "(00.126245) ". */
    private static final Pattern TIMESTAMP = Pattern.compile("^\\(\\d+\\.\\d+\\)\\s*");

    public static final LogTail NONE = new LogTail(Optional.empty(), List.of(), "");

    public LogTail {
        errors = List.copyOf(errors);
    }

    /** Reads {@code file}; a note in place of the tail when it does not exist or cannot be read. */
    public static LogTail of(Path file) {
        List<String> errors = new ArrayList<>();
        Deque<String> last = new ArrayDeque<>(LINES);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (errors.size() < MAX_ERRORS && ERROR.matcher(line).find() && !isHarmless(line)) {
                    errors.add(TIMESTAMP.matcher(line).replaceFirst(""));
                }
                if (last.size() == LINES) {
                    last.removeFirst();
                }
                last.addLast(line);
            }
            return new LogTail(Optional.of(file), errors, String.join("\n", last));
        } catch (NoSuchFileException e) {
            return new LogTail(Optional.of(file), List.of(), "(CRIU wrote no log at " + file + ")");
        } catch (IOException e) {
            return new LogTail(Optional.of(file), errors, "(could not read CRIU's log " + file + ": " + e + ")");
        }
    }

    /** Whether a CRIU message is one it prints on every run, which explains nothing. */
    public static boolean isHarmless(String message) {
        return HARMLESS.matcher(message).find();
    }

    /** The first error that explains something, if the log has one. */
    public Optional<String> firstError() {
        return errors.stream().findFirst();
    }

    /** For an exception message: empty, or the errors and the tail under headings naming the file. */
    String render() {
        if (tail.isEmpty() && errors.isEmpty()) {
            return "";
        }
        String name = file.map(Path::toString).orElse("CRIU's log");
        StringBuilder out = new StringBuilder();
        if (!errors.isEmpty()) {
            out.append("\nErrors in ").append(name).append(":\n").append(String.join("\n", errors));
        }
        out.append("\nLast lines of ").append(name).append(":\n").append(tail);
        return out.toString();
    }
}
