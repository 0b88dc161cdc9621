package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * Work that ran out of attempts and waits for a person: a send no carrier took ({@code kind} {@code send})
 * or a status callback its URL never accepted ({@code callback}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(
        String id,
        String kind,
        String messageId,
        int attempts,
        String lastError,
        Instant createdAt,
        Instant replayedAt,
        JsonNode payload) {}
