package io.omniservice.carriers.testkit;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A fixture's request while its prep functions work on it (signing adds headers, tampering edits the body). */
public final class FixtureRequest {
    public String method;
    public String url;
    public final Map<String, List<String>> headers = new LinkedHashMap<>();
    public byte[] body;

    FixtureRequest(String method, String url, byte[] body) {
        this.method = method;
        this.url = url;
        this.body = body;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public void setBody(String text) {
        body = text.getBytes(StandardCharsets.UTF_8);
    }

    public void setHeader(String name, String value) {
        headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
        headers.put(name, new ArrayList<>(List.of(value)));
    }

    public String header(String name) {
        return headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue().getFirst())
                .findFirst()
                .orElse(null);
    }

    /** The raw query string of the URL, or null. */
    public String rawQuery() {
        return URI.create(url).getRawQuery();
    }
}
