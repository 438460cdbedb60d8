package dev.molt.upgrade;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The upgrade's moments as "MOLT-EVENT name uptime=S detail" lines on a console, when
 * MOLT_CONSOLE_EVENTS names one (e.g. /dev/console), in the format the boot hook and the guest's rc
 * print theirs. A machine whose console is recorded with timestamps from outside (a serial console
 * server, QEMU's serial port) then times the whole stop on one clock across both kernels: the
 * journal's wall clock cannot, since a kexec'd kernel restarts its clock from the RTC, to the second.
 */
final class ConsoleEvents {
    static final String ENV = "MOLT_CONSOLE_EVENTS";
    private static final Path TARGET = System.getenv(ENV) == null || System.getenv(ENV).isBlank()
            ? null : Path.of(System.getenv(ENV));

    private ConsoleEvents() {}

    static void emit(String name, String detail) {
        if (TARGET == null) {
            return;
        }
        String uptime;
        try {
            uptime = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
        } catch (IOException e) {
            uptime = "?";
        }
        String line = "MOLT-EVENT " + name + " uptime=" + uptime + (detail.isEmpty() ? "" : " " + detail) + "\n";
        try {
            Files.writeString(TARGET, line, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                    StandardOpenOption.CREATE);
        } catch (IOException e) {
            System.getLogger(ConsoleEvents.class.getName()).log(System.Logger.Level.DEBUG, "cannot write to " + TARGET, e);
        }
    }
}
