package dev.molt.criu;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The points at which CRIU notifies its RPC client when {@code notify_scripts} is set (the names
 * CRIU gives its action scripts). CRIU waits for the answer; a negative one fails the request.
 */
public enum NotifyScript {
    /** Dump: before the tree is frozen. */
    PRE_DUMP("pre-dump"),
    /** Dump: images written, tree still frozen; failing here resumes the tree. */
    POST_DUMP("post-dump"),
    /** Restore: before anything is created. */
    PRE_RESTORE("pre-restore"),
    /** Restore: tree created, not yet resumed (carries the root pid). */
    POST_RESTORE("post-restore"),
    /** Only for trees with their own network namespace: lock its network (CRIU locks the host's itself). */
    NETWORK_LOCK("network-lock"),
    /** Only for trees with their own network namespace: unlock it. */
    NETWORK_UNLOCK("network-unlock"),
    /** Restore: namespaces created (carries the root pid). */
    SETUP_NAMESPACES("setup-namespaces"),
    POST_SETUP_NAMESPACES("post-setup-namespaces"),
    /** Restore: just before the tree runs again. */
    PRE_RESUME("pre-resume"),
    /** Restore: the tree runs again. */
    POST_RESUME("post-resume"),
    /** Restore: a master of an orphaned pty (CRIU sends its fd, which Molt does not take). */
    ORPHAN_PTS_MASTER("orphan-pts-master"),
    /** CRIU is ready (with status_fd). */
    STATUS_READY("status-ready"),
    /** Streaming images: before the stream starts. */
    PRE_STREAM("pre-stream"),
    /** Dump: CRIU asks which external files to take; Molt names none. */
    QUERY_EXT_FILES("query-ext-files");

    private static final Map<String, NotifyScript> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(NotifyScript::scriptName, Function.identity()));

    private final String scriptName;

    NotifyScript(String scriptName) {
        this.scriptName = scriptName;
    }

    /** CRIU's name for it, e.g. "post-dump". */
    public String scriptName() {
        return scriptName;
    }

    /** The script CRIU names, or empty for one this version of Molt does not know. */
    public static Optional<NotifyScript> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
