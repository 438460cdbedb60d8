package dev.molt.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Asks systemd which control group a unit runs in ({@code systemctl show -p ControlGroup}). */
public final class SystemdUnits {

    /** Unit names as systemd.unit(5) allows them, plus the type suffix. */
    private static final Pattern UNIT = Pattern.compile("[A-Za-z0-9:_.\\\\@-]+\\.[a-z]+");

    private final Path runtimeDir;
    private final String systemctl;
    private final Duration timeout;

    /**
     * @param runtimeDir systemd's runtime directory, {@code /run/systemd}: systemd is running as
     *     init exactly when its {@code system} subdirectory exists (sd_booted(3))
     * @param systemctl the systemctl command
     * @param timeout how long systemctl may take
     */
    public SystemdUnits(Path runtimeDir, String systemctl, Duration timeout) {
        this.runtimeDir = Objects.requireNonNull(runtimeDir, "runtimeDir");
        this.systemctl = Objects.requireNonNull(systemctl, "systemctl");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    public static SystemdUnits host() {
        return new SystemdUnits(Path.of("/run/systemd"), "systemctl", Duration.ofSeconds(10));
    }

    /**
     * The cgroup name of {@code unit}, such as {@code /system.slice/redis-server.service}.
     *
     * @throws WorkloadException SYSTEMD_UNAVAILABLE when systemd is not running or systemctl
     *     fails, NOT_FOUND when the unit has no control group, INVALID_NAME for a malformed name
     */
    public String controlGroupOf(String unit) throws WorkloadException {
        if (!UNIT.matcher(unit).matches() || unit.startsWith("-")) {
            throw new WorkloadException(WorkloadException.Reason.INVALID_NAME, unit, "\"" + unit
                    + "\" is not a systemd unit name: expected a full name such as redis-server.service");
        }
        Path booted = runtimeDir.resolve("system");
        if (!Files.isDirectory(booted)) {
            throw new WorkloadException(WorkloadException.Reason.SYSTEMD_UNAVAILABLE, unit,
                    "systemd is not running (no " + booted + "): name unit " + unit + "'s workload by its cgroup instead");
        }
        List<String> command = List.of(systemctl, "show", "-p", "ControlGroup", "--value", "--", unit);
        String output;
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new WorkloadException(WorkloadException.Reason.SYSTEMD_UNAVAILABLE, unit,
                        String.join(" ", command) + " did not answer within " + timeout);
            }
            if (process.exitValue() != 0) {
                throw new WorkloadException(WorkloadException.Reason.SYSTEMD_UNAVAILABLE, unit,
                        String.join(" ", command) + " exited with status " + process.exitValue() + ": " + output);
            }
        } catch (IOException e) {
            throw new WorkloadException(WorkloadException.Reason.SYSTEMD_UNAVAILABLE, unit,
                    "cannot run " + systemctl + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkloadException(WorkloadException.Reason.IO, unit, "interrupted while asking systemd about " + unit, e);
        }
        if (output.isEmpty()) {
            throw new WorkloadException(WorkloadException.Reason.NOT_FOUND, unit,
                    "unit " + unit + " has no control group: is it loaded and running?");
        }
        return output;
    }
}
