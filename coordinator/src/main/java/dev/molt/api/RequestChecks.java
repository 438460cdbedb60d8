package dev.molt.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The limits every request meets before a service sees it, in one place, by field name so that a
 * new field is covered as soon as it is named like the others:
 *
 * <ul>
 *   <li>{@code *_id}: at most 128 characters of {@code [A-Za-z0-9._-]}, not {@code .} or {@code ..} (ids are made by Molt or
 *       chosen by clients; neither needs more).
 *   <li>{@code *_path} (kernel, initrd, livepatch module): absolute, at most 4096 characters, no
 *       NUL, no {@code .} or {@code ..} component (a path that says what it means, not one that
 *       climbs out of where it seems to point).
 *   <li>{@code cgroup}: relative to the cgroup2 mount or absolute under it, no {@code ..}
 *       component, no NUL.
 *   <li>{@code systemd_unit}: at most 256 characters, no {@code /}, no NUL.
 *   <li>any other text: at most 4096 characters, no NUL.
 *   <li>repeated fields and maps: at most 1024 entries.
 * </ul>
 *
 * Requiredness, ranges and states stay with the services, which know them.
 */
public final class RequestChecks {
    static final int MAX_ID = 128;
    static final int MAX_TEXT = 4096;
    static final int MAX_UNIT = 256;
    static final int MAX_ENTRIES = 1024;
    private static final int MAX_DEPTH = 16;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]*");

    /** A field that breaks a limit: its path ("spec.target.kernel_path") and what is wrong. */
    public record Violation(String field, String description) {}

    private RequestChecks() {}

    public static Optional<Violation> check(Message message) {
        return check(message, "", 0);
    }

    private static Optional<Violation> check(Message message, String prefix, int depth) {
        if (depth > MAX_DEPTH) {
            return Optional.of(new Violation(prefix, "nested deeper than " + MAX_DEPTH + " levels"));
        }
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            FieldDescriptor field = e.getKey();
            String path = prefix.isEmpty() ? field.getName() : prefix + "." + field.getName();
            if (field.isRepeated()) {
                List<?> values = (List<?>) e.getValue();
                if (values.size() > MAX_ENTRIES) {
                    return Optional.of(new Violation(path, values.size() + " entries; at most " + MAX_ENTRIES));
                }
                for (int i = 0; i < values.size(); i++) {
                    Optional<Violation> v = checkValue(field, values.get(i), path + "[" + i + "]", depth);
                    if (v.isPresent()) {
                        return v;
                    }
                }
            } else {
                Optional<Violation> v = checkValue(field, e.getValue(), path, depth);
                if (v.isPresent()) {
                    return v;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Violation> checkValue(FieldDescriptor field, Object value, String path, int depth) {
        return switch (value) {
            case Message m -> check(m, path, depth + 1);
            case String s -> checkText(field.getName(), s, path);
            default -> Optional.empty();
        };
    }

    static Optional<Violation> checkText(String name, String value, String path) {
        if (value.indexOf('\0') >= 0) {
            return violation(path, "contains a NUL character");
        }
        if (name.endsWith("_id")) {
            if (value.length() > MAX_ID) {
                return violation(path, value.length() + " characters long; at most " + MAX_ID);
            }
            if (!ID.matcher(value).matches()) {
                return violation(path, "'" + abbreviate(value) + "' has characters outside A-Z a-z 0-9 . _ -");
            }
            if (value.equals(".") || value.equals("..")) {
                return violation(path, "'" + value + "' is not an id");
            }
            return Optional.empty();
        }
        if (value.length() > (name.equals("systemd_unit") ? MAX_UNIT : MAX_TEXT)) {
            return violation(path, value.length() + " characters long; at most "
                    + (name.equals("systemd_unit") ? MAX_UNIT : MAX_TEXT));
        }
        if (name.endsWith("_path") && !value.isEmpty()) {
            if (!value.startsWith("/")) {
                return violation(path, "'" + abbreviate(value) + "' is not an absolute path; give it from /");
            }
            if (hasComponent(value, "..") || hasComponent(value, ".")) {
                return violation(path, "'" + abbreviate(value) + "' has a '.' or '..' component; give the path without them");
            }
        }
        if (name.equals("cgroup") && hasComponent(value, "..")) {
            return violation(path, "'" + abbreviate(value) + "' has a '..' component: a cgroup outside the cgroup2 mount cannot be named");
        }
        if (name.equals("systemd_unit") && value.indexOf('/') >= 0) {
            return violation(path, "'" + abbreviate(value) + "' is not a unit name (it has a '/')");
        }
        return Optional.empty();
    }

    private static boolean hasComponent(String path, String component) {
        for (String part : path.split("/", -1)) {
            if (part.equals(component)) {
                return true;
            }
        }
        return false;
    }

    private static Optional<Violation> violation(String path, String description) {
        return Optional.of(new Violation(path, description));
    }

    static String abbreviate(String value) {
        return value.length() <= 80 ? value : value.substring(0, 77) + "...";
    }
}
