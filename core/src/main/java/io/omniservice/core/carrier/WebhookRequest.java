package io.omniservice.core.carrier;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A webhook as the carrier sent it, free of any HTTP framework: the method, the full public URL the
 * carrier called (configured public base URL + path + raw query, as signature schemes need it), the
 * headers (names case-insensitive), the decoded query parameters and the raw body bytes.
 */
public record WebhookRequest(
        String method,
        String publicUrl,
        Map<String, List<String>> headers,
        Map<String, List<String>> query,
        byte[] body,
        Instant receivedAt) {

    public WebhookRequest {
        TreeMap<String, List<String>> folded = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> folded.put(name, List.copyOf(values)));
        headers = Collections.unmodifiableMap(folded);
        query = Map.copyOf(query);
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The first value of a query parameter, or null. */
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The media type of the body without parameters, lower case; empty when absent. */
    public String contentType() {
        String value = header("Content-Type");
        if (value == null) {
            return "";
        }
        int semicolon = value.indexOf(';');
        return (semicolon < 0 ? value : value.substring(0, semicolon)).trim().toLowerCase(java.util.Locale.ROOT);
    }
}
