package dev.molt.upgrade;

/**
 * Where an upgrade is. Each state is journaled (synced) before its action runs, so a restarted
 * coordinator knows what may have happened and {@link Resumption} decides, per state, what to do.
 *
 * <p>The rule that keeps workloads alive: before {@link Switching}, the old process tree is the
 * truth (it is only frozen; a restart thaws it and drops a half-written snapshot); from
 * {@link Switching} on, the snapshot is the truth (a restart restores it).
 */
public sealed interface UpgradeState {

    record Planned() implements UpgradeState {}

    record Preflight() implements UpgradeState {}

    record Parking() implements UpgradeState {}

    record Dumping() implements UpgradeState {}

    record Persisted() implements UpgradeState {}

    record Switching() implements UpgradeState {}

    record Restoring() implements UpgradeState {}

    record Verifying() implements UpgradeState {}

    record Done() implements UpgradeState {}

    /** Stopped before the switch; the workloads ran on, on the old kernel. */
    record Aborted(String reason) implements UpgradeState {}

    /** Stopped after the switch; the workloads were restored on the old kernel. */
    record RolledBack(String reason) implements UpgradeState {}

    /** Restore failed and could not be rolled back: the snapshot is kept for the operator. */
    record Failed(String reason) implements UpgradeState {}

    default boolean isFinal() {
        return this instanceof Done || this instanceof Aborted || this instanceof RolledBack || this instanceof Failed;
    }

    default dev.molt.api.v1.UpgradeState toProto() {
        return switch (this) {
            case Planned p -> dev.molt.api.v1.UpgradeState.PLANNED;
            case Preflight p -> dev.molt.api.v1.UpgradeState.PREFLIGHT;
            case Parking p -> dev.molt.api.v1.UpgradeState.PARKING;
            case Dumping d -> dev.molt.api.v1.UpgradeState.DUMPING;
            case Persisted p -> dev.molt.api.v1.UpgradeState.PERSISTED;
            case Switching s -> dev.molt.api.v1.UpgradeState.SWITCHING;
            case Restoring r -> dev.molt.api.v1.UpgradeState.RESTORING;
            case Verifying v -> dev.molt.api.v1.UpgradeState.VERIFYING;
            case Done d -> dev.molt.api.v1.UpgradeState.DONE;
            case Aborted a -> dev.molt.api.v1.UpgradeState.ABORTED;
            case RolledBack r -> dev.molt.api.v1.UpgradeState.ROLLED_BACK;
            case Failed f -> dev.molt.api.v1.UpgradeState.FAILED;
        };
    }

    static UpgradeState fromProto(dev.molt.api.v1.UpgradeState state, String reason) {
        return switch (state) {
            case PLANNED -> new Planned();
            case PREFLIGHT -> new Preflight();
            case PARKING -> new Parking();
            case DUMPING -> new Dumping();
            case PERSISTED -> new Persisted();
            case SWITCHING -> new Switching();
            case RESTORING -> new Restoring();
            case VERIFYING -> new Verifying();
            case DONE -> new Done();
            case ABORTED -> new Aborted(reason);
            case ROLLED_BACK -> new RolledBack(reason);
            case FAILED -> new Failed(reason);
            case UPGRADE_STATE_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("journal holds an unknown upgrade state: " + state);
        };
    }

    /** Name used in logs, crash points and the CLI: "dumping", "rolled-back". */
    default String label() {
        return toProto().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
