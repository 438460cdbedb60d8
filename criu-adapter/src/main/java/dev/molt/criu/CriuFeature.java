package dev.molt.criu;

import java.util.List;

/**
 * Something Molt asks of CRIU, and the first CRIU release that has it. Checked against the
 * cached version before anything is frozen, so a too-old CRIU fails fast with the whole list.
 */
public record CriuFeature(String name, CriuVersion since, String usedFor) {

    /**
     * RPC field {@code images_dir} (68): the image directory by path. Older CRIUs get the directory
     * as an fd instead ({@link CriuClient}), so no request requires it.
     */
    public static final CriuFeature RPC_IMAGES_DIR_PATH =
            new CriuFeature("rpc-images-dir-path", CriuVersion.parse("3.19"), "passing the image directory by path");

    /** {@code network_lock = NFTABLES}: locking TCP without an iptables binary (libnftables). */
    public static final CriuFeature NFTABLES_NETWORK_LOCK =
            new CriuFeature("nftables-network-lock", CriuVersion.parse("3.16"), "locking the network while TCP is dumped");

    /**
     * {@code network_lock = SKIP}: CRIU leaves the network alone because the caller holds its own
     * lock. Older CRIUs reject the request outright ("Invalid request code"), so Molt lets them lock
     * with nftables during the dump instead, inside its own lock (see {@link Criu#dump}).
     */
    public static final CriuFeature NETWORK_LOCK_SKIP =
            new CriuFeature("network-lock-skip", CriuVersion.parse("3.19"), "leaving the network lock to Molt");

    /** {@code freeze_cgroup} pointing at a cgroup v2 directory (cgroup.freeze). */
    public static final CriuFeature CGROUP_V2_FREEZER =
            new CriuFeature("cgroup-v2-freezer", CriuVersion.parse("3.14"), "dumping a cgroup v2 the coordinator froze");

    /**
     * Dumping inet sockets on kernels that refuse SO_PASSCRED on them (Linux 6.16 and later; measured
     * on 6.18: CRIU 4.1.1 fails with "Can't get 1:16 opt", 4.2 restricts the option to unix
     * sockets). Older kernels answer the option, and CRIU 3.17.1 dumps TCP on 6.1 (FIELD-NOTES).
     */
    public static final CriuFeature INET_SOCKETS_WITHOUT_PASSCRED =
            new CriuFeature("inet-sockets-without-passcred", CriuVersion.parse("4.2"), "dumping TCP sockets on Linux 6.18");

    /**
     * Not a feature but a cost: CRIU from 4.x waits at every start until the kernel's random
     * generator is seeded (libuuid's run id retries getrandom(GRND_NONBLOCK), ~2 s in a TCG guest
     * without virtio-rng), and a freshly kexec'd kernel starts unseeded. Measured: 4.2.1 waits,
     * 3.17.1 does not; the boundary is put right after the release measured not to wait.
     */
    public static final CriuFeature WAITS_FOR_SEEDED_RANDOM =
            new CriuFeature("waits-for-seeded-random", CriuVersion.parse("3.18"), "its run id (libuuid) at every start");

    /** What every dump needs. */
    public static final List<CriuFeature> DUMP = List.of(NFTABLES_NETWORK_LOCK);

    /** What every restore needs. */
    public static final List<CriuFeature> RESTORE = List.of(NFTABLES_NETWORK_LOCK);

    /** The first kernel that refuses SO_PASSCRED on inet sockets (commit 7d8d93fdde50b, 6.16). */
    static final int[] PASSCRED_RESTRICTED_SINCE = {6, 16};

    /**
     * True when the kernel release (uname -r, e.g. "6.1.0-50-amd64") refuses SO_PASSCRED on inet
     * sockets, so that dumping TCP needs {@link #INET_SOCKETS_WITHOUT_PASSCRED}. An unparsable
     * release counts as new (the check stays on).
     */
    public static boolean kernelRefusesInetPasscred(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > PASSCRED_RESTRICTED_SINCE[0]
                || (major == PASSCRED_RESTRICTED_SINCE[0] && minor >= PASSCRED_RESTRICTED_SINCE[1]);
    }

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
