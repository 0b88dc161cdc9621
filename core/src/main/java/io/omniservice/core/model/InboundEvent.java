package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One thing a carrier told us in a webhook: a customer's message or a status update for a message.
 * A single webhook may carry several (WhatsApp entries/changes, Bandwidth event arrays).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
@JsonSubTypes({
    @JsonSubTypes.Type(value = InboundEvent.InboundMessage.class, name = "message"),
    @JsonSubTypes.Type(value = InboundEvent.StatusUpdate.class, name = "status"),
})
public sealed interface InboundEvent {
    CarrierType carrier();

    /** The configured account of the carrier the webhook came to ({@code default} unless named). */
    String account();

    /** The carrier's id for the message; with the carrier it is the key that makes webhooks idempotent. */
    String carrierMessageId();

    /** The part of the carrier's payload this event was read from, kept verbatim. */
    JsonNode originalPayload();

    /**
     * A message from a customer.
     *
     * @param recipient our side: the business number, channel or chat the message was sent to
     * @param sentAt the carrier's timestamp for the message, if it gave one
     * @param replyTo the carrier message id this message answers, if the carrier says
     */
    record InboundMessage(
            CarrierType carrier,
            String account,
            String carrierMessageId,
            Sender sender,
            String recipient,
            MessageContent content,
            Instant sentAt,
            String replyTo,
            JsonNode originalPayload)
            implements InboundEvent {
        public InboundMessage {
            Objects.requireNonNull(carrier, "carrier");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(carrierMessageId, "carrierMessageId");
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(content, "content");
        }

        public ConversationKey conversationKey() {
            return ConversationKey.of(carrier, sender);
        }
    }

    /**
     * A carrier's report on a message: our normalized status beside the carrier's raw status and error.
     *
     * @param occurredAt when the carrier says it happened (falls back to when we received it)
     * @param recipient the customer the reported message went to, if the carrier says
     */
    record StatusUpdate(
            CarrierType carrier,
            String account,
            String carrierMessageId,
            MessageStatus status,
            String carrierStatus,
            String errorCode,
            String errorMessage,
            Instant occurredAt,
            String recipient,
            JsonNode originalPayload)
            implements InboundEvent {
        public StatusUpdate {
            Objects.requireNonNull(carrier, "carrier");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(carrierMessageId, "carrierMessageId");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(carrierStatus, "carrierStatus");
            Objects.requireNonNull(occurredAt, "occurredAt");
        }
    }
}
