package dev.molt.metrics;

import java.util.Locale;

/**
 * The two text formats /metrics speaks, chosen by the scraper's Accept header: OpenMetrics 1.0
 * when it asks for it (Prometheus does by default), else Prometheus' text format 0.0.4 (curl, a
 * browser). Protobuf is never chosen, even when offered: the text formats carry everything here.
 */
enum ExpositionFormat {
    OPEN_METRICS("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    TEXT_004("text/plain; version=0.0.4; charset=utf-8");

    private final String contentType;

    ExpositionFormat(String contentType) {
        this.contentType = contentType;
    }

    String contentType() {
        return contentType;
    }

    /** The format for an Accept header; null or empty means text 0.0.4. */
    static ExpositionFormat forAccept(String accept) {
        if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")) {
            return OPEN_METRICS;
        }
        return TEXT_004;
    }
}
