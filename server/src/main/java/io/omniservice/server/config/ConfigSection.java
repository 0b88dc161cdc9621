package io.omniservice.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.config.ConfigException;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** One mapping of the configuration tree with its dotted path, so every error names the full key. */
final class ConfigSection {
    private final String path;
    private final ObjectNode node;

    ConfigSection(String path, ObjectNode node) {
        this.path = path;
        this.node = node;
    }

    String path() {
        return path;
    }

    java.util.List<String> fieldNames() {
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The value under {@code key}; empty when the key is absent or has no value ({@code key:} in YAML). */
    Optional<JsonNode> value(String key) {
        JsonNode value = node.get(key);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }

    JsonNode required(String key) {
        return value(key).orElseThrow(() -> new ConfigException(keyPath(key), "is required"));
    }

    Optional<ConfigSection> section(String key) {
        return value(key).map(value -> asSection(keyPath(key), value));
    }

    ConfigSection requiredSection(String key) {
        return asSection(keyPath(key), required(key));
    }

    static ConfigSection asSection(String path, JsonNode value) {
        if (!value.isObject()) {
            throw new ConfigException(path, "must be a mapping of keys to values");
        }
        return new ConfigSection(path, (ObjectNode) value);
    }

    Optional<String> text(String key) {
        return value(key).map(value -> scalar(keyPath(key), value));
    }

    String requiredText(String key) {
        String text = scalar(keyPath(key), required(key));
        if (text.isBlank()) {
            throw new ConfigException(keyPath(key), "must not be empty");
        }
        return text;
    }

    long number(String key, long fallback, long min, long max) {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return fallback;
        }
        String raw = text.get().trim().replace("_", "");
        try {
            long value = Long.parseLong(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException notANumber) {
            // reported below, with the range
        }
        throw new ConfigException(
                keyPath(key), "must be a whole number from " + min + " to " + max + ", got '" + text.get() + "'");
    }

    boolean bool(String key, boolean fallback) {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return fallback;
        }
        return switch (text.get().trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(keyPath(key), "must be true or false, got '" + text.get() + "'");
        };
    }

    /** Refuses keys the schema does not know, so that a misspelt key is not silently ignored. */
    void rejectUnknown(Set<String> known) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new ConfigException(keyPath(name), "unknown key; known keys here are " + new TreeSet<>(known));
            }
        }
    }

    static String scalar(String path, JsonNode value) {
        if (!value.isValueNode()) {
            throw new ConfigException(path, "must be a single value, not a " + (value.isArray() ? "list" : "mapping"));
        }
        return value.asText();
    }
}
