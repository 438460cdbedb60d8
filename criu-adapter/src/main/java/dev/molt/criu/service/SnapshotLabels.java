package dev.molt.criu.service;

import dev.molt.criu.v1.SnapshotInfo;
import dev.molt.snapshot.SnapshotStore;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The labels the adapter stores with each snapshot beside the caller's: the dumped tree's root
 * pid, all its pids (read from /proc before the dump), the TCP mode it was dumped with and the
 * nftables table CRIU left locking its connections.
 */
final class SnapshotLabels {

    static final String ROOT_PID = "root_pid";
    static final String PIDS = "pids";
    static final String TCP = "tcp";
    /** The nftables table CRIU left to lock the dumped tree's connections (see DumpResult). */
    static final String NETWORK_LOCK_TABLE = "network_lock_table";
    static final String TCP_ESTABLISHED = "established";
    static final String TCP_REFUSE = "refuse";

    static final Set<String> RESERVED = Set.of(ROOT_PID, PIDS, TCP, NETWORK_LOCK_TABLE);

    /** Reserved labels SnapshotInfo shows as fields of their own instead. */
    private static final Set<String> SHOWN_AS_FIELDS = Set.of(ROOT_PID, PIDS, TCP);

    private SnapshotLabels() {}

    /** The caller's labels plus the adapter's. */
    static Map<String, String> of(Map<String, String> callers, int rootPid, List<Integer> pids, boolean tcpEstablished,
            Optional<String> networkLockTable) {
        Map<String, String> labels = new HashMap<>(callers);
        networkLockTable.ifPresent(table -> labels.put(NETWORK_LOCK_TABLE, table));
        labels.put(ROOT_PID, Integer.toString(rootPid));
        labels.put(PIDS, pids.stream().map(String::valueOf).collect(Collectors.joining(",")));
        labels.put(TCP, tcpEstablished ? TCP_ESTABLISHED : TCP_REFUSE);
        return labels;
    }

    /** Whether the snapshot was dumped with established TCP connections. */
    static boolean tcpEstablished(SnapshotStore.Manifest manifest) {
        return TCP_ESTABLISHED.equals(manifest.labels().get(TCP));
    }

    /** The API's view of a manifest. */
    static SnapshotInfo info(SnapshotStore.Manifest manifest) {
        Map<String, String> labels = manifest.labels();
        SnapshotInfo.Builder info = SnapshotInfo.newBuilder()
                .setId(manifest.id())
                .setCreatedAtMillis(manifest.createdAtMillis())
                .setFiles(manifest.files().size())
                .setImageBytes(manifest.imageBytes())
                .setStoredBytes(manifest.storedBytes());
        String root = labels.get(ROOT_PID);
        if (root != null && !root.isBlank()) {
            info.setRootPid(Integer.parseInt(root));
        }
        String pids = labels.get(PIDS);
        if (pids != null && !pids.isBlank()) {
            Arrays.stream(pids.split(",")).map(String::strip).map(Integer::valueOf).forEach(info::addPids);
        }
        labels.forEach((key, value) -> {
            if (!SHOWN_AS_FIELDS.contains(key)) {
                info.putLabels(key, value);
            }
        });
        return info.build();
    }
}
