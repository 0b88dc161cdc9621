package io.omniservice.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import io.omniservice.core.json.Json;

/** JSON columns: documents stored as text, written and read with the gateway's one JSON configuration. */
final class JsonText {
    private JsonText() {}

    static String write(Object value) {
        return Json.text(value);
    }

    /** Writes with the declared type, so polymorphic values keep their type property. */
    static String write(Object value, Class<?> declaredType) {
        try {
            return Json.MAPPER.writerFor(declaredType).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON cannot be read as " + type.getSimpleName(), e);
        }
    }

    static <T> T read(String json, JavaType type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON cannot be read as " + type, e);
        }
    }
}
