package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * Where a message came from and when: the seed's metadata (carrier, original payload, receivedAt,
 * processedAt) plus the account, the carrier's message id, its own timestamp and what it replies to, and
 * for an outbound message the API client that sent it ({@code client}; null for inbound and the gateway's own),
 * and for a message written in a group, the carrier's id for the group ({@code group}), and the W3C
 * {@code traceparent} of the message's trace ({@code traceParent}; null when tracing was off), which every
 * later stage of the message continues (see {@link io.omniservice.core.trace.Tracing}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageMetadata(
        CarrierType carrier,
        String account,
        String carrierMessageId,
        Instant sentAt,
        String replyTo,
        Instant receivedAt,
        Instant processedAt,
        JsonNode originalPayload,
        String client,
        String group,
        String traceParent) {
    public MessageMetadata(
            CarrierType carrier,
            String account,
            String carrierMessageId,
            Instant sentAt,
            String replyTo,
            Instant receivedAt,
            Instant processedAt,
            JsonNode originalPayload,
            String client,
            String group) {
        this(
                carrier,
                account,
                carrierMessageId,
                sentAt,
                replyTo,
                receivedAt,
                processedAt,
                originalPayload,
                client,
                group,
                null);
    }

    public MessageMetadata(
            CarrierType carrier,
            String account,
            String carrierMessageId,
            Instant sentAt,
            String replyTo,
            Instant receivedAt,
            Instant processedAt,
            JsonNode originalPayload,
            String client) {
        this(
                carrier,
                account,
                carrierMessageId,
                sentAt,
                replyTo,
                receivedAt,
                processedAt,
                originalPayload,
                client,
                null);
    }

    public MessageMetadata(
            CarrierType carrier,
            String account,
            String carrierMessageId,
            Instant sentAt,
            String replyTo,
            Instant receivedAt,
            Instant processedAt,
            JsonNode originalPayload) {
        this(carrier, account, carrierMessageId, sentAt, replyTo, receivedAt, processedAt, originalPayload, null, null);
    }
}
