package dev.molt.kexec;

/**
 * The kernel switch: how a host moves to its next kernel once the workloads are checkpointed.
 * The coordinator drives every switch through the same three steps:
 * <ol>
 *   <li>{@link #prepare} before parking: everything that can fail is checked or done here, while
 *       the workloads still run (kexec loads the new kernel now, outside the stop);</li>
 *   <li>{@link #cancel} when the upgrade is aborted after a successful prepare;</li>
 *   <li>{@link #execute} last, after the snapshot is committed.</li>
 * </ol>
 * Implementations are safe to call from several threads; the steps are serialised.
 */
public interface KernelSwitch {

    /** A short name for logs and the operator API: {@code kexec}, {@code restart}. */
    String name();

    /**
     * Validates the plan and readies the switch. Calling it again replaces the earlier preparation.
     *
     * @throws SwitchException naming what is wrong; the switch is then not prepared
     */
    void prepare(SwitchPlan plan) throws SwitchException;

    /** Undoes {@link #prepare} (kexec: unloads the new kernel). Idempotent; never throws. */
    void cancel();

    /**
     * Switches kernels. A kexec does not return on success; a switch that returns has either
     * handed over to a restarter (see {@link RestartSwitch}) or failed by throwing.
     *
     * @throws SwitchException with reason {@link SwitchException.Reason#NOT_PREPARED} without a
     *     successful prepare, or naming why the switch failed
     */
    void execute() throws SwitchException;
}
