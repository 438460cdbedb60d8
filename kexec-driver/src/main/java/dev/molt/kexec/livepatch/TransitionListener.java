package dev.molt.kexec.livepatch;

import java.time.Duration;
import java.util.List;

/** What a transition follower reports while it waits. Every method has a do-nothing default. */
public interface TransitionListener {

    /** Each poll: how many tasks are still on the old state. {@code patching} false while unpatching. */
    default void progress(String patch, boolean patching, Duration elapsed, int remaining) {
    }

    /** User tasks asleep interruptibly were sent SIGSTOP/SIGCONT. */
    default void nudged(String patch, List<Straggler> tasks) {
    }

    /** The timeout passed: these tasks blocked, and the transition is being reversed (or forced). */
    default void blocked(String patch, List<Straggler> stragglers, boolean forcing) {
    }

    TransitionListener NONE = new TransitionListener() {};
}
