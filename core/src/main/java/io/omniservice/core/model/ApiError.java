package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.omniservice.core.json.Json;
import java.util.Map;

/**
 * An error as the HTTP contract writes it: {@code {"error": {"code", "message", "field"?}}}, with the
 * HTTP status it goes out with.
 */
public record ApiError(int status, String code, String message, String field) {
    public ApiError(int status, String code, String message) {
        this(status, code, message, null);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    private record Body(String code, String message, String field) {}

    public byte[] toJson() {
        try {
            return Json.MAPPER.writeValueAsBytes(Map.of("error", new Body(code, message, field)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
