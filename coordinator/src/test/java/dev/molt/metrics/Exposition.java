package dev.molt.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A scrape's samples by series, parsed from the text format: {@code name{a="x",b="y"}} (labels as
 * written, in the writer's order) to value. Comment lines are skipped.
 */
record Exposition(String text, Map<String, Double> samples) {

    static Exposition parse(String text) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return new Exposition(text, samples);
    }

    /** The value of a series; fails naming what the scrape held when there is none. */
    double value(String series) {
        return find(series).orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + text));
    }

    Optional<Double> find(String series) {
        return Optional.ofNullable(samples.get(series));
    }
}
