package io.omniservice.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** Waiting on a condition rather than for a time, and reading the JSON the gateway answers. */
public final class Conditions {
    private Conditions() {}

    /** The first non-null value {@code probe} gives within {@code limit}, looking every 20 ms. */
    public static <T> T await(Supplier<T> probe, Duration limit) {
        Instant deadline = Instant.now().plus(limit);
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met in " + limit);
    }

    public static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }
}
