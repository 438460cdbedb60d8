package dev.molt.criu.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Fresh directories for one dump or restore under the adapter's staging root: {@code images/}
 * for CRIU's images and {@code work/} for its logs, so logs never end up in a snapshot.
 */
final class StagingArea {

    private final Path root;

    StagingArea(Path root) {
        this.root = root;
    }

    /** One operation's directories. */
    record Staged(Path dir, Path images, Path work) {

        /** Deletes everything under {@link #dir()}. */
        void delete() throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** Creates {@code root/<name>-<random>/{images,work}}. */
    Staged create(String name) throws IOException {
        Files.createDirectories(root);
        Path dir = Files.createDirectory(root.resolve(name + "-" + UUID.randomUUID().toString().substring(0, 8)));
        return new Staged(dir, Files.createDirectory(dir.resolve("images")), Files.createDirectory(dir.resolve("work")));
    }
}
