package io.omniservice.core.carrier;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code application/x-www-form-urlencoded} bodies and query strings, keeping order and repeats. */
public final class FormBody {
    private FormBody() {}

    /**
     * The fields of an urlencoded string.
     *
     * @throws WebhookRejection 400 when the encoding is broken (a stray {@code %}, invalid UTF-8)
     */
    public static Map<String, List<String>> parse(String encoded) throws WebhookRejection {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return fields;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            fields.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }
        return fields;
    }

    public static Map<String, List<String>> parse(byte[] body) throws WebhookRejection {
        return parse(new String(body, StandardCharsets.UTF_8));
    }

    /** The first value of a field as parsed by {@link #parse}, or null when the field is absent. */
    public static String first(Map<String, List<String>> fields, String name) {
        List<String> values = fields.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    private static String decode(String part) throws WebhookRejection {
        try {
            return URLDecoder.decode(part, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw WebhookRejection.malformed("the form body is not valid urlencoded data");
        }
    }
}
