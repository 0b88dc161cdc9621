package io.omniservice.core.carrier;

import io.omniservice.core.config.ConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The configuration of one carrier account ({@code carriers.<carrier>.<account>} in the YAML file), read
 * by the carrier's own provider. Every error names the full key, so a typo stops start-up with its path.
 */
public record CarrierSettings(String path, String account, Map<String, Object> values) {
    /**
     * The value a deployment writes where the operator has yet to put the carrier's own (the AWS deployment
     * creates each carrier account's secret with it). An account holding it anywhere is not used: a value anyone
     * can read must never verify a webhook's signature.
     */
    public static final String UNFILLED = "FILL_IN";

    public CarrierSettings {
        values = Map.copyOf(values);
    }

    /** The keys that still hold {@link #UNFILLED}, sorted; empty when the account is filled in. */
    public java.util.List<String> unfilledKeys() {
        return values.entrySet().stream()
                .filter(e -> e.getValue() != null
                        && UNFILLED.equals(e.getValue().toString().strip()))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    public String require(String key) {
        String value = optional(key, null);
        if (value == null || value.isBlank()) {
            throw new ConfigException(path + "." + key, "is required");
        }
        return value;
    }

    public String optional(String key, String fallback) {
        Object value = values.get(key);
        return value == null ? fallback : value.toString();
    }

    /** An absolute http(s) URL without a trailing slash, such as a carrier's API base URL. */
    public URI url(String key, String fallback) {
        String raw = optional(key, fallback);
        if (raw == null) {
            throw new ConfigException(path + "." + key, "is required");
        }
        try {
            URI uri = URI.create(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an absolute http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path + "." + key, "must be an absolute http(s) URL, got '" + raw + "'");
        }
    }

    public Duration duration(String key, Duration fallback) {
        String raw = optional(key, null);
        if (raw == null) {
            return fallback;
        }
        try {
            return Duration.parse(raw.startsWith("P") ? raw : "PT" + raw);
        } catch (RuntimeException e) {
            throw new ConfigException(path + "." + key, "must be a duration such as 5s or PT5S, got '" + raw + "'");
        }
    }

    /** The key of an account's sender pool: the numbers or sender ids it may send from. */
    public static final String NUMBERS = "numbers";

    /**
     * The account's sender pool: {@code from} (its default sender, null when not set) first, then each of
     * {@link #NUMBERS} once, each as {@code check} gives it back (normalized), or null to refuse it with
     * {@code expected} in the error naming its key ({@code numbers[2]}). Empty when {@code numbers} is not set:
     * the account keeps no pool.
     */
    public java.util.List<String> senderPool(
            String from, java.util.function.UnaryOperator<String> check, String expected) {
        Object raw = values.get(NUMBERS);
        if (raw == null) {
            return java.util.List.of();
        }
        if (!(raw instanceof java.util.List<?> listed) || listed.isEmpty()) {
            throw new ConfigException(path + "." + NUMBERS, "must be a list of the numbers this account sends from");
        }
        java.util.LinkedHashSet<String> pool = new java.util.LinkedHashSet<>();
        if (from != null) {
            pool.add(from);
        }
        for (int i = 0; i < listed.size(); i++) {
            Object value = listed.get(i);
            String checked = value == null ? null : check.apply(value.toString().strip());
            if (checked == null) {
                throw new ConfigException(
                        path + "." + NUMBERS + "[" + i + "]", "must be " + expected + ", got '" + value + "'");
            }
            pool.add(checked);
        }
        return java.util.List.copyOf(pool);
    }

    /** Refuses keys this carrier does not know, so that a misspelt credential is not silently ignored. */
    public void rejectUnknown(Set<String> known) {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new ConfigException(
                    path + "." + unknown.iterator().next(), "unknown key; known keys are " + new TreeSet<>(known));
        }
    }
}
