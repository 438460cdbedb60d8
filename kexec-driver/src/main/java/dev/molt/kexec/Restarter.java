package dev.molt.kexec;

/**
 * Starts the coordinator afresh, as a kexec would by booting a new kernel: the last step of the
 * {@link RestartSwitch}. The daemon's restarter does not return (see {@link #exitingJvm}).
 */
@FunctionalInterface
public interface Restarter {

    void restart();

    /**
     * The daemon's restarter: closes {@code resources} in the order given (the snapshot store last,
     * so its final writes are synced), then exits the JVM with {@link RestartSwitch#EXIT_RESTART},
     * which tells the launcher or supervisor to start the daemon again at once. A resource that
     * fails to close is logged and does not stop the others or the exit.
     */
    static Restarter exitingJvm(AutoCloseable... resources) {
        return () -> {
            System.Logger log = System.getLogger(Restarter.class.getName());
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    log.log(System.Logger.Level.ERROR, "closing " + resource + " before the restart failed", e);
                }
            }
            log.log(System.Logger.Level.INFO, "exiting with status " + RestartSwitch.EXIT_RESTART + " to be restarted");
            System.exit(RestartSwitch.EXIT_RESTART);
        };
    }
}
