package dev.molt.kexec.livepatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * finit_module(2) and delete_module(2) through FFM; {@code insmod} when the kernel has no
 * finit_module (ENOSYS). Errors name the module, the errno and what to do.
 */
public final class KernelModuleLoader implements ModuleLoader {

    @Override
    public void load(Path ko, ModuleInfo info) throws LivepatchException {
        KernelCalls.Result result = KernelCalls.finitModule(ko.toString());
        if (!result.failed()) {
            return;
        }
        if (result.errno() == KernelCalls.ENOSYS) {
            insmod(ko);
            return;
        }
        throw new LivepatchException(result.errno() == KernelCalls.EEXIST
                ? LivepatchException.Reason.ALREADY_APPLIED : LivepatchException.Reason.LOAD_REFUSED,
                "the kernel refused to load " + info.name() + " (" + ko + "): finit_module failed with "
                        + KernelCalls.name(result.errno()) + ": " + loadHint(result.errno(), info));
    }

    @Override
    public void unload(String name) throws LivepatchException {
        KernelCalls.Result result = KernelCalls.deleteModule(name);
        if (result.failed()) {
            throw new LivepatchException(result.errno() == KernelCalls.ENOENT
                    ? LivepatchException.Reason.NOT_FOUND : LivepatchException.Reason.LOAD_REFUSED,
                    "delete_module(" + name + ") failed with " + KernelCalls.name(result.errno()) + ": "
                            + switch (result.errno()) {
                                case KernelCalls.ENOENT -> "no module of that name is loaded";
                                case KernelCalls.EAGAIN, KernelCalls.EBUSY ->
                                        "it is still in use (a livepatch that was forced stays loaded until reboot)";
                                case KernelCalls.EPERM -> "not permitted (root with CAP_SYS_MODULE is needed)";
                                default -> "see the kernel log (dmesg)";
                            });
        }
    }

    static String loadHint(int errno, ModuleInfo info) {
        return switch (errno) {
            case KernelCalls.EEXIST -> "a module of that name is already loaded (molt patch list)";
            case KernelCalls.ENOEXEC -> "not a module for this kernel (architecture or symbol versions differ)";
            case KernelCalls.ENOENT -> info.depends().isEmpty()
                    ? "a symbol it needs is missing (dmesg names it)"
                    : "a symbol it needs is missing: is every module it depends on loaded (" + String.join(", ", info.depends()) + ")?";
            case KernelCalls.EPERM, KernelCalls.EKEYREJECTED, KernelCalls.ENOKEY, KernelCalls.EBADMSG ->
                    "not permitted: signatures are enforced here (module.sig_enforce, lockdown or Secure Boot) and it is unsigned or signed by an unknown key";
            case KernelCalls.EBUSY -> "another livepatch is in transition; wait for it or revert it";
            case KernelCalls.EINVAL -> "its init failed; for a livepatch, klp_enable_patch refused it (a function it patches does not exist, or another patch is in transition): see dmesg";
            default -> "see the kernel log (dmesg)";
        };
    }

    private static void insmod(Path ko) throws LivepatchException {
        try {
            Process p = new ProcessBuilder("insmod", ko.toString()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new LivepatchException(LivepatchException.Reason.FAILED, "insmod " + ko + " did not finish in 5 minutes");
            }
            if (p.exitValue() != 0) {
                throw new LivepatchException(LivepatchException.Reason.LOAD_REFUSED,
                        "insmod " + ko + " failed (exit " + p.exitValue() + "): " + out);
            }
        } catch (IOException e) {
            throw new LivepatchException(LivepatchException.Reason.FAILED,
                    "finit_module is missing and insmod could not run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LivepatchException(LivepatchException.Reason.FAILED, "interrupted while insmod " + ko + " ran", e);
        }
    }
}
