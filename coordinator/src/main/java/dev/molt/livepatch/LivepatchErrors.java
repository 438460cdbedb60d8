package dev.molt.livepatch;

import dev.molt.kexec.livepatch.LivepatchException;
import dev.molt.upgrade.UpgradeException;

/** Maps the driver's refusals onto Molt's domain errors (and from there onto status codes). */
final class LivepatchErrors {
    private LivepatchErrors() {
    }

    static UpgradeException toUpgradeException(LivepatchException e) {
        return switch (e.reason()) {
            case INVALID_MODULE -> new UpgradeException.InvalidArgument("module_path", e.getMessage());
            case NOT_FOUND -> new UpgradeException.NotFound(e.getMessage());
            case NOT_SUPPORTED, NOT_A_LIVEPATCH, WRONG_KERNEL, BUSY, ALREADY_APPLIED, LOAD_REFUSED, FAILED ->
                    new UpgradeException.FailedPrecondition(e.getMessage());
        };
    }
}
