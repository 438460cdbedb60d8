package dev.molt.kexec.livepatch;

/** How the transition follower nudges a task: SIGSTOP then SIGCONT (a fake in unit tests). */
public interface Signals {

    /**
     * Stops and continues process {@code tgid}: a task asleep interruptibly in the kernel wakes,
     * returns towards user space and is switched to the new patch state on the way.
     *
     * @return false when the process is gone
     */
    boolean stopAndContinue(int tgid);

    static Signals host() {
        return tgid -> {
            KernelCalls.Result stop = KernelCalls.kill(tgid, KernelCalls.SIGSTOP);
            if (stop.failed()) {
                return false;
            }
            // Always continue a process we stopped, even if that call is the one that fails.
            return !KernelCalls.kill(tgid, KernelCalls.SIGCONT).failed();
        };
    }
}
