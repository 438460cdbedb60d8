package dev.molt.daemon;

import dev.molt.api.auth.UnixPeerPolicy;
import dev.molt.daemon.Settings.Invalid;
import dev.molt.daemon.Settings.Setting;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.molt.api.v1.Workload;
import dev.molt.policy.ProtectedWorkloads;
import dev.molt.policy.UpgradePolicy;

/**
 * Where the daemon keeps things, how it is reached and who may call it; built from {@link
 * Settings} by {@link #from}, which checks every value and names the line or flag of a bad one.
 *
 * @param storeDir the RocksDB snapshot store and journal; must be on persistent disk (it is how an
 *     upgrade survives kexec)
 * @param stagingDir where CRIU writes images before they are persisted, and reads them at restore
 * @param criu the CRIU binary
 * @param socket the Unix socket of the operator API
 * @param socketMode the socket file's permissions (octal, default 0660: root and the operator group)
 * @param operatorGroup Unix socket callers in this group are operators (root always is)
 * @param viewerGroup Unix socket callers in this group are viewers; empty for none
 * @param tcpListen host:port to also serve the API on; null for none
 * @param tls the server's certificate, key and the CA that signs client certificates; null
 *     without TCP, or with insecure TCP
 * @param insecureTcp serve TCP without TLS, everyone an operator (test guests only)
 * @param workloads what an upgrade that names no workload protects ({@code workload.NAME})
 * @param policy the rules an upgrade must meet to start ({@code policy.*})
 */
public record DaemonConfig(
        Path storeDir, Path stagingDir, Path criu, Path socket, int socketMode, String operatorGroup, String viewerGroup,
        InetSocketAddress tcpListen, Tls tls, boolean insecureTcp, ProtectedWorkloads workloads, UpgradePolicy policy) {

    /** Without configured workloads and with the permissive policy. */
    public DaemonConfig(Path storeDir, Path stagingDir, Path criu, Path socket, int socketMode, String operatorGroup,
            String viewerGroup, InetSocketAddress tcpListen, Tls tls, boolean insecureTcp) {
        this(storeDir, stagingDir, criu, socket, socketMode, operatorGroup, viewerGroup, tcpListen, tls, insecureTcp,
                ProtectedWorkloads.none(), UpgradePolicy.permissive());
    }

    public static final Path DEFAULT_STORE = Path.of("/var/lib/molt/store");
    public static final Path DEFAULT_STAGING = Path.of("/var/lib/molt/staging");
    public static final Path DEFAULT_SOCKET = Path.of("/run/molt/molt.sock");
    public static final Path DEFAULT_CONFIG = Path.of("/etc/molt/moltd.conf");
    public static final int DEFAULT_SOCKET_MODE = 0660;

    /** PEM files for mutual TLS. */
    public record Tls(Path certificate, Path privateKey, Path clientCa) {}

    /** The plain local daemon: a Unix socket, default groups, no TCP. */
    public static DaemonConfig local(Path storeDir, Path stagingDir, Path socket, Path criu) {
        return new DaemonConfig(storeDir, stagingDir, criu, socket, DEFAULT_SOCKET_MODE,
                UnixPeerPolicy.DEFAULT_OPERATOR_GROUP, "", null, null, false);
    }

    public DaemonConfig withTcp(InetSocketAddress listen, Tls tls, boolean insecure) {
        return new DaemonConfig(storeDir, stagingDir, criu, socket, socketMode, operatorGroup, viewerGroup, listen, tls, insecure,
                workloads, policy);
    }

    public DaemonConfig withSocketMode(int mode) {
        return new DaemonConfig(storeDir, stagingDir, criu, socket, mode, operatorGroup, viewerGroup, tcpListen, tls, insecureTcp,
                workloads, policy);
    }

    public DaemonConfig withPolicy(ProtectedWorkloads workloads, UpgradePolicy policy) {
        return new DaemonConfig(storeDir, stagingDir, criu, socket, socketMode, operatorGroup, viewerGroup, tcpListen, tls, insecureTcp,
                workloads, policy);
    }

    /** Checks every setting; the first bad one is named with its line or flag. */
    public static DaemonConfig from(Settings s) throws Invalid {
        Path store = s.get("store").map(v -> path(v)).orElse(DEFAULT_STORE);
        Path staging = s.get("staging").map(v -> path(v)).orElse(DEFAULT_STAGING);
        Path criu = s.get("criu").map(v -> path(v)).orElse(null);
        Path socket = s.get("socket").map(v -> path(v)).orElse(DEFAULT_SOCKET);
        int mode = DEFAULT_SOCKET_MODE;
        Optional<Setting> modeSetting = s.get("socket_mode");
        if (modeSetting.isPresent()) {
            try {
                mode = Integer.parseInt(modeSetting.get().value(), 8);
            } catch (NumberFormatException e) {
                throw invalid(modeSetting.get(), "socket_mode", "is not an octal mode like 0660");
            }
            if (mode < 0 || mode > 0777) {
                throw invalid(modeSetting.get(), "socket_mode", "is outside 0000-0777");
            }
        }
        String operatorGroup = s.get("operator_group").map(Setting::value).orElse(UnixPeerPolicy.DEFAULT_OPERATOR_GROUP);
        String viewerGroup = s.get("viewer_group").map(Setting::value).orElse("");
        for (String key : new String[] {"operator_group", "viewer_group"}) {
            Optional<Setting> g = s.get(key);
            if (g.isPresent() && !g.get().value().matches("[a-z_][a-z0-9_-]*\\$?")) {
                throw invalid(g.get(), key, "is not a group name");
            }
        }
        InetSocketAddress listen = address(s, "listen");
        boolean insecure = false;
        Optional<Setting> insecureSetting = s.get("insecure_tcp");
        if (insecureSetting.isPresent()) {
            insecure = switch (insecureSetting.get().value()) {
                case "true" -> true;
                case "false" -> false;
                default -> throw invalid(insecureSetting.get(), "insecure_tcp", "is neither true nor false");
            };
        }
        Tls tls = null;
        Optional<Setting> cert = s.get("tls.cert");
        Optional<Setting> key = s.get("tls.key");
        Optional<Setting> ca = s.get("tls.client_ca");
        boolean anyTls = cert.isPresent() || key.isPresent() || ca.isPresent();
        if (anyTls) {
            for (var pair : java.util.List.of(java.util.Map.entry("tls.cert", cert), java.util.Map.entry("tls.key", key),
                    java.util.Map.entry("tls.client_ca", ca))) {
                if (pair.getValue().isEmpty()) {
                    throw new Invalid("mutual TLS needs tls.cert, tls.key and tls.client_ca; '" + pair.getKey()
                            + "' is missing (--tls-cert, --tls-key, --tls-client-ca or the config file)");
                }
                if (!Files.isReadable(path(pair.getValue().get()))) {
                    throw invalid(pair.getValue().get(), pair.getKey(), "is not a readable file");
                }
            }
            tls = new Tls(path(cert.get()), path(key.get()), path(ca.get()));
        }
        if (listen != null && tls == null && !insecure) {
            throw new Invalid(s.get("listen").get().origin() + ": listen " + s.get("listen").get().value()
                    + " serves the API over TCP, which needs mutual TLS: set tls.cert, tls.key and tls.client_ca"
                    + " (docs/security.md makes them); insecure_tcp = true serves it without, for test machines only");
        }
        if (insecure && tls != null) {
            throw invalid(insecureSetting.get(), "insecure_tcp", "contradicts the tls.* settings: give one or the other");
        }
        if (listen == null && (tls != null || insecure)) {
            throw new Invalid((tls != null ? cert.get().origin() : insecureSetting.get().origin())
                    + ": TLS or insecure_tcp is set but 'listen' is not: say which host:port to serve TCP on");
        }
        return new DaemonConfig(store, staging, criu == null ? defaultCriu() : criu, socket, mode, operatorGroup, viewerGroup,
                listen, tls, insecure, workloads(s), policy(s));
    }

    /**
     * {@code workload.NAME = cgroup:PATH | unit:NAME.service}: the forms of the CLI's --workload.
     * Not pid:N: a pid names a process only until it ends, and the file outlives it.
     */
    static ProtectedWorkloads workloads(Settings s) throws Invalid {
        List<ProtectedWorkloads.Named> named = new ArrayList<>();
        for (Map.Entry<String, Setting> e : s.withPrefix("workload.").entrySet()) {
            Setting setting = e.getValue();
            Workload workload;
            try {
                workload = dev.molt.cli.WorkloadSpec.parse(setting.value());
            } catch (picocli.CommandLine.TypeConversionException ex) {
                throw invalid(setting, "workload." + e.getKey(), "is not a workload: " + ex.getMessage());
            }
            if (workload.getSelectorCase() == Workload.SelectorCase.PID) {
                throw invalid(setting, "workload." + e.getKey(), "names a pid, which names a process only until it"
                        + " ends: protect its cgroup (cgroup:PATH) or its unit (unit:NAME.service)");
            }
            for (ProtectedWorkloads.Named earlier : named) {
                if (earlier.workload().equals(workload)) {
                    throw invalid(setting, "workload." + e.getKey(), "is already protected as workload." + earlier.name()
                            + " (" + earlier.origin() + ")");
                }
            }
            named.add(new ProtectedWorkloads.Named(e.getKey(), workload, setting.origin()));
        }
        return new ProtectedWorkloads(named);
    }

    static UpgradePolicy policy(Settings s) throws Invalid {
        boolean requireWindow = bool(s, "policy.require_window", false);
        Optional<Duration> maxStop = Optional.empty();
        Optional<Setting> max = s.get("policy.max_stop");
        if (max.isPresent()) {
            Duration d;
            try {
                d = dev.molt.cli.DurationConverter.parse(max.get().value());
            } catch (picocli.CommandLine.TypeConversionException e) {
                throw invalid(max.get(), "policy.max_stop", "is not a duration: write 90s, 5m or 1h");
            }
            if (d.isNegative() || d.isZero()) {
                throw invalid(max.get(), "policy.max_stop", "is not a positive duration");
            }
            maxStop = Optional.of(d);
        }
        UpgradePolicy.Livepatch livepatch = UpgradePolicy.Livepatch.ALLOW;
        Optional<Setting> lp = s.get("policy.livepatch");
        if (lp.isPresent()) {
            livepatch = switch (lp.get().value()) {
                case "allow" -> UpgradePolicy.Livepatch.ALLOW;
                case "never" -> UpgradePolicy.Livepatch.NEVER;
                default -> throw invalid(lp.get(), "policy.livepatch", "is neither allow nor never");
            };
        }
        return new UpgradePolicy(requireWindow, maxStop, livepatch);
    }

    private static boolean bool(Settings s, String key, boolean otherwise) throws Invalid {
        Optional<Setting> setting = s.get(key);
        if (setting.isEmpty()) {
            return otherwise;
        }
        return switch (setting.get().value()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(setting.get(), key, "is neither true nor false");
        };
    }

    /**
     * Where to serve Prometheus metrics ({@code metrics.listen}, docs/metrics.md); empty for off.
     * Checked like {@code listen}, and refused on the API's own address.
     */
    public static Optional<InetSocketAddress> metricsListen(Settings s) throws Invalid {
        InetSocketAddress metrics = address(s, "metrics.listen");
        if (metrics != null && metrics.equals(address(s, "listen")) && metrics.getPort() != 0) {
            throw invalid(s.get("metrics.listen").get(), "metrics.listen", "is the API's listen address too; give metrics a port of their own");
        }
        return Optional.ofNullable(metrics);
    }

    private static InetSocketAddress address(Settings s, String key) throws Invalid {
        Optional<Setting> setting = s.get(key);
        if (setting.isEmpty() || setting.get().value().isBlank()) {
            return null;
        }
        String value = setting.get().value();
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw invalid(setting.get(), key, "is not host:port (for example 0.0.0.0:7468)");
        }
        String host = value.substring(0, colon).replaceAll("^\\[|\\]$", "");
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid(setting.get(), key, "has no numeric port after the last ':'");
        }
        if (port < 0 || port > 65535) {
            throw invalid(setting.get(), key, "has port " + port + ", outside 0-65535");
        }
        return new InetSocketAddress(host, port);
    }

    private static Path path(Setting s) {
        return Path.of(s.value());
    }

    private static Invalid invalid(Setting s, String key, String what) {
        return new Invalid(s.origin() + ": " + key + " '" + s.value() + "' " + what);
    }

    /** MOLT_CRIU, else Molt's own install (~/.cache/molt/bin/criu, /opt/molt/criu/bin/criu), else PATH. */
    public static Path defaultCriu() {
        String env = System.getenv("MOLT_CRIU");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        Optional<Path> own = java.util.stream.Stream.of(
                        Path.of(System.getProperty("user.home"), ".cache/molt/bin/criu"),
                        Path.of("/opt/molt/criu/bin/criu"))
                .filter(Files::isExecutable)
                .findFirst();
        return own.orElse(Path.of("criu"));
    }
}
