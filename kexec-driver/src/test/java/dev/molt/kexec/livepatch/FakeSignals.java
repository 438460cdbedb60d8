package dev.molt.kexec.livepatch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/** Records which processes were nudged; {@code onNudge} plays the kernel's answer (e.g. the task switches). */
final class FakeSignals implements Signals {
    final List<Integer> nudged = new ArrayList<>();
    private IntConsumer onNudge = tgid -> { };

    FakeSignals onNudge(IntConsumer onNudge) {
        this.onNudge = onNudge;
        return this;
    }

    @Override
    public boolean stopAndContinue(int tgid) {
        nudged.add(tgid);
        onNudge.accept(tgid);
        return true;
    }
}
