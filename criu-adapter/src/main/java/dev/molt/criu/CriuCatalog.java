package dev.molt.criu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The CRIUs installed on this machine, and the choice among them for a kernel. A machine that is
 * to move between kernel releases keeps one CRIU per release family on its persistent disk (the
 * staged directory, {@code /var/lib/molt/criu/VERSION/criu}): after a kexec the new kernel's CRIU
 * must already be there. What each kernel needs comes from {@link CriuKernelTable}.
 *
 * <p>Candidates, in order of preference: the configured CRIU (MOLT_CRIU / --criu), then those named
 * in {@code MOLT_CRIU_CANDIDATES} (colon-separated), then the staged ones, oldest first. The
 * preferred one that suits the kernel wins: the configured CRIU keeps its place where it works.
 */
public final class CriuCatalog {

    /** Where CRIUs for other kernels are staged: {@code DIR/VERSION/criu}, on the persistent disk. */
    public static final Path STAGED_DIR = Path.of("/var/lib/molt/criu");
    /** Overrides {@link #STAGED_DIR}. */
    public static final String STAGED_DIR_ENV = "MOLT_CRIU_DIR";
    /** More CRIU binaries, colon-separated. */
    public static final String CANDIDATES_ENV = "MOLT_CRIU_CANDIDATES";

    /** One installed CRIU. */
    public record Installed(CriuBinary binary, CriuVersion version) {
        @Override
        public String toString() {
            return "CRIU " + version + " at " + binary.path();
        }
    }

    /** Asks a binary its version ({@code criu --version}). */
    @FunctionalInterface
    public interface VersionProbe {
        CriuVersion versionOf(Path binary) throws CriuException;
    }

    /** The outcome of choosing a CRIU for a kernel. */
    public sealed interface Selection {
        CriuKernelTable.Requirement requirement();

        /** A suitable CRIU. */
        record Chosen(Installed criu, CriuKernelTable.Requirement requirement, CriuVersion dumpedBy) implements Selection {
            /** "CRIU 4.2.1 at P restores on K (K needs 4.2.1 or newer: MEASURED)". */
            public String explanation() {
                return criu + " restores on " + requirement.kernel() + " (" + needs(requirement, dumpedBy) + ")";
            }
        }

        /** None of the installed CRIUs suits the kernel. */
        record NoneSuitable(CriuKernelTable.Requirement requirement, CriuVersion dumpedBy, List<Installed> found,
                Path stagedDir) implements Selection {
            /** Names the kernel, what was found and what is needed, and how to fix it. */
            public String message() {
                CriuVersion needed = dumpedBy != null && dumpedBy.compareTo(requirement.minimum()) > 0
                        ? dumpedBy : requirement.minimum();
                return "no installed CRIU can restore on kernel " + requirement.kernel() + ": found "
                        + (found.isEmpty() ? "none" : String.join(", ", found.stream().map(Installed::toString).toList()))
                        + "; needed CRIU " + needed + " or newer (" + needs(requirement, dumpedBy) + "). Stage one as "
                        + stagedDir.resolve(needed.toString()).resolve("criu") + " (or name it in " + CANDIDATES_ENV + ") before upgrading";
            }
        }
    }

    private final List<Installed> installed;
    private final CriuKernelTable table;
    private final Path stagedDir;

    public CriuCatalog(List<Installed> installed, CriuKernelTable table, Path stagedDir) {
        this.installed = List.copyOf(installed);
        this.table = table;
        this.stagedDir = stagedDir;
    }

    /**
     * Finds the installed CRIUs. A candidate whose version cannot be read is left out (and
     * logged): it cannot be chosen for anything.
     */
    public static CriuCatalog discover(Path preferred, Map<String, String> env, CriuKernelTable table, VersionProbe probe) {
        Path stagedDir = Optional.ofNullable(env.get(STAGED_DIR_ENV)).filter(s -> !s.isBlank()).map(Path::of).orElse(STAGED_DIR);
        Map<Path, Installed> found = new LinkedHashMap<>();
        List<Path> probed = new ArrayList<>();
        if (preferred != null) {
            probed.add(preferred);
        }
        for (String p : env.getOrDefault(CANDIDATES_ENV, "").split(":")) {
            if (!p.isBlank()) {
                probed.add(Path.of(p));
            }
        }
        for (Path p : probed) {
            try {
                found.putIfAbsent(p.toAbsolutePath().normalize(), new Installed(new CriuBinary(p), probe.versionOf(p)));
            } catch (CriuException | RuntimeException e) {
                System.getLogger(CriuCatalog.class.getName()).log(System.Logger.Level.WARNING,
                        "CRIU candidate " + p + " left out: " + e.getMessage());
            }
        }
        // Staged CRIUs are named by version: no process start for them (it would be on the path
        // to restore after a kexec).
        staged(stagedDir).forEach(i -> found.putIfAbsent(i.binary().path().toAbsolutePath().normalize(), i));
        return new CriuCatalog(new ArrayList<>(found.values()), table, stagedDir);
    }

    /** The catalog with the real probe and table. */
    public static CriuCatalog discover(Path preferred) {
        return discover(preferred, System.getenv(), CriuKernelTable.standard(), CriuCatalog::probeVersion);
    }

    static List<Installed> staged(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Installed> staged = new ArrayList<>();
        try (Stream<Path> versions = Files.list(dir)) {
            for (Path v : versions.sorted().toList()) {
                Path binary = v.resolve("criu");
                if (!Files.isExecutable(binary)) {
                    continue;
                }
                try {
                    staged.add(new Installed(new CriuBinary(binary), CriuVersion.parse(v.getFileName().toString())));
                } catch (IllegalArgumentException e) {
                    // A directory not named by a version is not a staged CRIU.
                }
            }
        } catch (IOException e) {
            System.getLogger(CriuCatalog.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot list staged CRIUs in " + dir + ": " + e.getMessage());
        }
        staged.sort(Comparator.comparing(Installed::version));
        return staged;
    }

    public List<Installed> installed() {
        return installed;
    }

    public CriuKernelTable table() {
        return table;
    }

    public Path stagedDir() {
        return stagedDir;
    }

    /**
     * The CRIU to run on {@code kernel}; {@code dumpedBy} (null: no images yet) is the CRIU that
     * wrote the images it must restore. The first suitable candidate in preference order.
     */
    public Selection forKernel(KernelRelease kernel, CriuVersion dumpedBy) {
        CriuKernelTable.Requirement requirement = table.forKernel(kernel);
        for (Installed i : installed) {
            if (requirement.satisfiedBy(i.version(), dumpedBy)) {
                return new Selection.Chosen(i, requirement, dumpedBy);
            }
        }
        return new Selection.NoneSuitable(requirement, dumpedBy, installed, stagedDir);
    }

    private static String needs(CriuKernelTable.Requirement r, CriuVersion dumpedBy) {
        String kernel = r.kernel() + " needs " + r.minimum() + " or newer: " + r.row().measured();
        return dumpedBy == null ? kernel : kernel + "; the images were dumped by " + dumpedBy + ", so " + dumpedBy + " or newer reads them";
    }

    /** Runs {@code BINARY --version} ("Version: 3.17.1"), 30 s at most. */
    public static CriuVersion probeVersion(Path binary) throws CriuException {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CriuException.Unavailable(binary + " --version did not finish in 30 s", null);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.startsWith("Version:")) {
                    return CriuVersion.parse(line);
                }
            }
            throw new CriuException.Unavailable(binary + " --version printed no 'Version:' line (exit " + p.exitValue() + "): " + text.strip(), null);
        } catch (IOException e) {
            throw new CriuException.Unavailable("cannot run " + binary + " --version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CriuException.Unavailable("interrupted while asking " + binary + " its version", e);
        }
    }
}
