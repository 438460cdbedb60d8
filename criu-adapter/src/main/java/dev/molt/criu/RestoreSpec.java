package dev.molt.criu;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What to restore and how.
 *
 * @param imagesDir the images of one dump
 * @param workDir an existing directory for CRIU's log ({@code restore.log}) and output
 * @param tcpEstablished restore established TCP connections (must match the dump)
 * @param notifyHandler answers CRIU's notifications
 */
public record RestoreSpec(Path imagesDir, Path workDir, boolean tcpEstablished, NotifyHandler notifyHandler) {

    public RestoreSpec {
        Objects.requireNonNull(imagesDir, "imagesDir");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(notifyHandler, "notifyHandler");
    }

    public static RestoreSpec of(Path imagesDir, Path workDir) {
        return new RestoreSpec(imagesDir, workDir, false, NotifyHandler.ACCEPT_ALL);
    }

    public RestoreSpec withTcpEstablished(boolean on) {
        return new RestoreSpec(imagesDir, workDir, on, notifyHandler);
    }

    public RestoreSpec withNotify(NotifyHandler handler) {
        return new RestoreSpec(imagesDir, workDir, tcpEstablished, handler);
    }
}
