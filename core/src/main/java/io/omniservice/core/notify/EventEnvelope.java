package io.omniservice.core.notify;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * An event as subscribers receive it, in a webhook body and on the SSE stream: the change event's
 * stable id (a repeat delivery carries the same id), its type, when it happened, and its data.
 */
public record EventEnvelope(UUID id, String type, Instant createdAt, JsonNode data) {}
