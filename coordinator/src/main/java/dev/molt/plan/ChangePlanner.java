package dev.molt.plan;

import dev.molt.api.v1.ChangeDecision;
import dev.molt.kexec.livepatch.LivepatchException;
import dev.molt.kexec.livepatch.ModuleInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides how the host gets to a kernel release: a livepatch when a module built for the running
 * kernel carries that release's fixes, a full upgrade otherwise, and says why for every module
 * offered. Pure logic: what it knows of the host and the modules is given to it.
 *
 * <p>"Carries the fixes" is what the module declares: its {@code molt_equivalent} modinfo key
 * names the release whose fixes it brings to the running kernel. A livepatch can never move the
 * host to another kernel series (6.1 to 7.2): data structures, not only functions, change there.
 */
public final class ChangePlanner {

    /** One module offered: what .modinfo said, or why it could not be read. */
    public record Offered(String path, ModuleInfo info, LivepatchException unreadable) {
        public static Offered read(String path, ModuleReader reader) {
            try {
                return new Offered(path, reader.read(path), null);
            } catch (LivepatchException e) {
                return new Offered(path, null, e);
            } catch (RuntimeException e) {
                // A path the file system cannot even name (a NUL in it): a reason like any other.
                return new Offered(path, null, new LivepatchException(LivepatchException.Reason.INVALID_MODULE,
                        "the module path " + path + " is unusable: " + e.getMessage(), e));
            }
        }
    }

    /** Reads a module's .modinfo (ModuleInfo::read in production). */
    @FunctionalInterface
    public interface ModuleReader {
        ModuleInfo read(String path) throws LivepatchException;
    }

    /**
     * @param running          the running kernel's release
     * @param livepatchSupport whether the running kernel can livepatch (/sys/kernel/livepatch exists)
     * @param loadedPatches    names of the livepatches loaded now
     */
    public ChangeDecision decide(String running, boolean livepatchSupport, List<String> loadedPatches, String to,
            List<Offered> offered) {
        ChangeDecision.Builder decision = ChangeDecision.newBuilder().setRunningRelease(running).setToRelease(to);
        if (to.equals(running)) {
            return decision.setPath(ChangeDecision.Path.NOTHING)
                    .addReasons("the running kernel already is " + to + ": nothing to do").build();
        }
        boolean sameSeries = series(running).equals(series(to));
        if (!sameSeries) {
            decision.addReasons(to + " is another kernel series than the running " + running + " (" + series(running)
                    + " -> " + series(to) + "): no livepatch can carry that, only a full upgrade");
        }
        if (!livepatchSupport) {
            decision.addReasons("the running kernel " + running + " has no livepatch support (/sys/kernel/livepatch is missing)");
        }
        if (offered.isEmpty()) {
            decision.addReasons("no livepatch module was offered (--livepatch FILE.ko)");
        }
        List<String> usable = new ArrayList<>();
        List<String> live = new ArrayList<>();
        for (Offered module : offered) {
            if (module.info() != null && loadedPatches.contains(module.info().name())
                    && refusal(module, running, to, List.of()) == null) {
                live.add(module.info().name());
                decision.addReasons(module.path() + " (" + module.info().name() + "): already live, and it carries the fixes of " + to);
                continue;
            }
            String why = refusal(module, running, to, loadedPatches);
            if (why == null) {
                usable.add(module.path());
                decision.addReasons(module.path() + " (" + module.info().name() + "): a livepatch built for the running kernel "
                        + running + " that carries the fixes of " + to);
            } else {
                decision.addReasons(module.path() + ": " + why);
            }
        }
        if (sameSeries && livepatchSupport && usable.isEmpty() && !live.isEmpty()) {
            return decision.setPath(ChangeDecision.Path.NOTHING)
                    .addReasons("nothing to do: " + String.join(", ", live) + " already brings the fixes of " + to).build();
        }
        if (sameSeries && livepatchSupport && !usable.isEmpty()) {
            return decision.setPath(ChangeDecision.Path.LIVEPATCH).addAllLivepatchModules(usable)
                    .addReasons("livepatch: no workload stops; the kernel switches each task when it is safe").build();
        }
        return decision.setPath(ChangeDecision.Path.FULL_UPGRADE)
                .addReasons("full upgrade: no offered livepatch brings the running kernel to " + to).build();
    }

    private static String refusal(Offered module, String running, String to, List<String> loadedPatches) {
        if (module.unreadable() != null) {
            return module.unreadable().getMessage();
        }
        ModuleInfo info = module.info();
        if (!info.livepatch()) {
            return "module " + info.name() + " is not a livepatch (no livepatch=Y in its .modinfo)";
        }
        if (!info.release().equals(running)) {
            return "built for kernel " + info.release() + " (vermagic '" + info.vermagic() + "'), not for the running "
                    + running + ": it cannot be loaded here";
        }
        if (info.equivalent().isEmpty()) {
            return "does not say which release's fixes it carries (no molt_equivalent in its .modinfo)";
        }
        if (!info.equivalent().get().equals(to)) {
            return "carries the fixes of " + info.equivalent().get() + ", not of " + to;
        }
        if (loadedPatches.contains(info.name())) {
            return "a livepatch named " + info.name() + " is already loaded (from another file?)";
        }
        return null;
    }

    /** "6.1" of "6.1.0-56-amd64", "7.2" of "7.2.12+deb14-amd64". */
    static String series(String release) {
        String[] parts = release.split("[.-]");
        return parts.length >= 2 ? parts[0] + "." + parts[1] : release;
    }
}
