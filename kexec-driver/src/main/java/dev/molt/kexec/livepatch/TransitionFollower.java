package dev.molt.kexec.livepatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Follows a livepatch transition to its end, as the per-task consistency model requires: each task
 * switches on its own (a sleeping task when no patched function is on its stack, a user task on
 * its way out of the kernel), so the transition lasts as long as its slowest task.
 *
 * <ul>
 *   <li>Progress: the tasks still on the old state ({@code /proc/PID/task/TID/patch_state}).
 *   <li>After the grace period: user tasks asleep interruptibly (S) that still hold it are sent
 *       SIGSTOP/SIGCONT (once per grace period): they wake, leave the kernel, and are switched on
 *       the way; the stop is invisible to them but not to a parent that waits with WUNTRACED.
 *   <li>At the timeout: the tasks still holding it are reported with their kernel stacks
 *       (uninterruptible sleepers and kernel threads cannot be nudged), and the transition is
 *       reversed (the opposite value written to {@code enabled}), which the follower then follows
 *       in turn; or, on the operator's force flag, {@code force} is written instead.
 * </ul>
 */
public final class TransitionFollower {
    private final LivepatchSysfs sysfs;
    private final ProcTasks tasks;
    private final Signals signals;
    private final Ticker ticker;

    public TransitionFollower(LivepatchSysfs sysfs, ProcTasks tasks, Signals signals, Ticker ticker) {
        this.sysfs = sysfs;
        this.tasks = tasks;
        this.signals = signals;
        this.ticker = ticker;
    }

    /**
     * Follows patch {@code name}'s transition from now until it ends. The direction comes from
     * {@code enabled}: 1 patching, 0 unpatching. A patch that is not (or no longer) in transition
     * ends at once as COMPLETED.
     */
    public TransitionResult follow(String name, TransitionPolicy policy, TransitionListener listener)
            throws LivepatchException, InterruptedException {
        long start = ticker.nanoTime();
        Optional<PatchStatus> first = sysfs.find(name);
        if (first.isEmpty()) {
            return new TransitionResult(TransitionResult.Outcome.COMPLETED, Duration.ZERO, List.of(), 0);
        }
        boolean patching = first.get().enabled();
        Phase phase = waitFor(name, patching, policy.grace(), policy.timeout(), policy.poll(), listener, start);
        if (phase.done) {
            return new TransitionResult(TransitionResult.Outcome.COMPLETED, since(start), List.of(), phase.nudged);
        }
        List<Straggler> blockers = phase.stragglers;
        listener.blocked(name, blockers, policy.force());
        if (policy.force()) {
            sysfs.force(name);
            Phase forced = waitFor(name, patching, policy.reversalTimeout(), policy.reversalTimeout(), policy.poll(),
                    listener, ticker.nanoTime());
            return new TransitionResult(forced.done ? TransitionResult.Outcome.FORCED : TransitionResult.Outcome.REVERSAL_STUCK,
                    since(start), blockers, phase.nudged + forced.nudged);
        }
        sysfs.setEnabled(name, !patching);
        Phase back = waitFor(name, !patching, policy.grace(), policy.reversalTimeout(), policy.poll(), listener,
                ticker.nanoTime());
        return new TransitionResult(back.done ? TransitionResult.Outcome.REVERSED : TransitionResult.Outcome.REVERSAL_STUCK,
                since(start), back.done ? blockers : merge(blockers, back.stragglers), phase.nudged + back.nudged);
    }

    private record Phase(boolean done, List<Straggler> stragglers, int nudged) {}

    private Phase waitFor(String name, boolean patching, Duration grace, Duration timeout, Duration poll,
            TransitionListener listener, long start) throws InterruptedException {
        int target = patching ? 1 : 0;
        long lastNudge = Long.MIN_VALUE;
        Set<Integer> nudged = new LinkedHashSet<>();
        while (true) {
            Optional<PatchStatus> status = sysfs.find(name);
            // Gone: an unpatching finished and the kernel freed the patch. Not in transition: done.
            if (status.isEmpty() || !status.get().transition()) {
                listener.progress(name, patching, since(start), 0);
                return new Phase(true, List.of(), nudged.size());
            }
            List<ProcTasks.Task> remaining = remaining(target);
            Duration elapsed = since(start);
            listener.progress(name, patching, elapsed, remaining.size());
            if (elapsed.compareTo(timeout) >= 0) {
                return new Phase(false, stragglers(remaining), nudged.size());
            }
            long now = ticker.nanoTime();
            if (elapsed.compareTo(grace) >= 0 && (lastNudge == Long.MIN_VALUE || now - lastNudge >= Math.max(grace.toNanos(), poll.toNanos()))) {
                lastNudge = now;
                List<ProcTasks.Task> sleepers = remaining.stream().filter(t -> !t.kthread() && t.state() == 'S').toList();
                if (!sleepers.isEmpty()) {
                    // Stacks first: once nudged, a task leaves the function that held it.
                    List<Straggler> report = stragglers(sleepers);
                    Set<Integer> processes = new LinkedHashSet<>();
                    for (ProcTasks.Task task : sleepers) {
                        if (processes.add(task.tgid()) && signals.stopAndContinue(task.tgid())) {
                            nudged.add(task.tgid());
                        }
                    }
                    listener.nudged(name, report);
                }
            }
            ticker.sleep(poll);
        }
    }

    private List<ProcTasks.Task> remaining(int target) {
        int old = 1 - target;
        return tasks.tasks().stream().filter(t -> t.patchState() == old).toList();
    }

    private List<Straggler> stragglers(List<ProcTasks.Task> remaining) {
        List<Straggler> out = new ArrayList<>();
        for (ProcTasks.Task task : remaining) {
            out.add(new Straggler(task, tasks.stack(task)));
        }
        return out;
    }

    private static List<Straggler> merge(List<Straggler> a, List<Straggler> b) {
        List<Straggler> out = new ArrayList<>(a);
        for (Straggler s : b) {
            if (out.stream().noneMatch(x -> x.task().tid() == s.task().tid())) {
                out.add(s);
            }
        }
        return out;
    }

    private Duration since(long start) {
        return Duration.ofNanos(ticker.nanoTime() - start);
    }
}
