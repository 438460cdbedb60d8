package dev.molt.api.auth;

import java.util.Map;

/**
 * The role each gRPC method needs. Every method that changes the host needs {@link Role#OPERATOR};
 * reads need {@link Role#VIEWER}; the health check needs none (a load balancer or init script
 * holds no role). A method not in the table needs OPERATOR: a new rpc is refused to viewers until
 * someone decides otherwise here.
 */
public final class MethodRoles {
    private static final Map<String, Role> TABLE = Map.ofEntries(
            Map.entry("molt.v1.Upgrades/Plan", Role.VIEWER),
            Map.entry("molt.v1.Upgrades/GetUpgrade", Role.VIEWER),
            Map.entry("molt.v1.Upgrades/WatchUpgrade", Role.VIEWER),
            Map.entry("molt.v1.Upgrades/ListUpgrades", Role.VIEWER),
            Map.entry("molt.v1.Upgrades/StartUpgrade", Role.OPERATOR),
            Map.entry("molt.v1.Upgrades/CancelUpgrade", Role.OPERATOR),
            Map.entry("molt.v1.Snapshots/ListSnapshots", Role.VIEWER),
            Map.entry("molt.v1.Snapshots/VerifySnapshot", Role.VIEWER),
            Map.entry("molt.v1.Snapshots/CreateSnapshot", Role.OPERATOR),
            Map.entry("molt.v1.Snapshots/RestoreSnapshot", Role.OPERATOR),
            Map.entry("molt.v1.Snapshots/DeleteSnapshot", Role.OPERATOR),
            Map.entry("molt.v1.Host/GetStatus", Role.VIEWER),
            Map.entry("molt.v1.Audit/ListAuditEntries", Role.VIEWER),
            Map.entry("molt.v1.Livepatches/ListPatches", Role.VIEWER),
            Map.entry("molt.v1.Livepatches/ListPatchOperations", Role.VIEWER),
            Map.entry("molt.v1.Livepatches/ApplyPatch", Role.OPERATOR),
            Map.entry("molt.v1.Livepatches/RevertPatch", Role.OPERATOR),
            Map.entry("molt.v1.Windows/ListWindows", Role.VIEWER),
            Map.entry("molt.v1.Windows/ListScheduled", Role.VIEWER),
            Map.entry("molt.v1.Windows/AddWindow", Role.OPERATOR),
            Map.entry("molt.v1.Windows/RemoveWindow", Role.OPERATOR),
            Map.entry("molt.v1.Windows/Schedule", Role.OPERATOR),
            Map.entry("molt.v1.Windows/CancelScheduled", Role.OPERATOR),
            Map.entry("grpc.health.v1.Health/Check", Role.NONE),
            Map.entry("grpc.health.v1.Health/Watch", Role.NONE),
            Map.entry("grpc.health.v1.Health/List", Role.NONE),
            Map.entry("grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Role.VIEWER),
            Map.entry("grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", Role.VIEWER));

    private MethodRoles() {}

    public static Role required(String fullMethodName) {
        return TABLE.getOrDefault(fullMethodName, Role.OPERATOR);
    }

    /** Whether the method may change the host: such calls are written to the audit log. */
    public static boolean mutating(String fullMethodName) {
        return required(fullMethodName) == Role.OPERATOR;
    }
}
