package dev.molt.criu;

import java.util.List;

/**
 * Something Molt asks of CRIU, and the first CRIU release that has it. Checked against the
 * cached version before anything is frozen, so a too-old CRIU fails fast with the whole list.
 */
public record CriuFeature(String name, CriuVersion since, String usedFor) {

    /** RPC field {@code images_dir} (68): the image directory by path. Molt always uses it. */
    public static final CriuFeature RPC_IMAGES_DIR_PATH =
            new CriuFeature("rpc-images-dir-path", CriuVersion.parse("3.19"), "passing the image directory by path");

    /** {@code network_lock = NFTABLES}: locking TCP without an iptables binary (libnftables). */
    public static final CriuFeature NFTABLES_NETWORK_LOCK =
            new CriuFeature("nftables-network-lock", CriuVersion.parse("3.16"), "locking the network while TCP is dumped");

    /** {@code freeze_cgroup} pointing at a cgroup v2 directory (cgroup.freeze). */
    public static final CriuFeature CGROUP_V2_FREEZER =
            new CriuFeature("cgroup-v2-freezer", CriuVersion.parse("3.14"), "dumping a cgroup v2 the coordinator froze");

    /**
     * Dumping inet sockets on kernels that refuse SO_PASSCRED on them (measured on 6.18: CRIU 4.1.1
     * fails with "Can't get 1:16 opt", 4.2 restricts the option to unix sockets).
     */
    public static final CriuFeature INET_SOCKETS_WITHOUT_PASSCRED =
            new CriuFeature("inet-sockets-without-passcred", CriuVersion.parse("4.2"), "dumping TCP sockets on Linux 6.18");

    /** What every dump needs. */
    public static final List<CriuFeature> DUMP = List.of(RPC_IMAGES_DIR_PATH, NFTABLES_NETWORK_LOCK);

    /** What every restore needs. */
    public static final List<CriuFeature> RESTORE = List.of(RPC_IMAGES_DIR_PATH, NFTABLES_NETWORK_LOCK);

    /** Those of {@code needed} that {@code version} lacks, in order. */
    public static List<CriuFeature> missingIn(CriuVersion version, List<CriuFeature> needed) {
        return needed.stream().filter(f -> !f.availableIn(version)).toList();
    }

    public boolean availableIn(CriuVersion version) {
        return version.atLeast(since);
    }

    @Override
    public String toString() {
        return name + " (CRIU >= " + since + ", for " + usedFor + ")";
    }
}
