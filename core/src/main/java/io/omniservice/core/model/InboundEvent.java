package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * One thing a carrier told us in a webhook: a customer's message or a status update for a message.
 * A single webhook may carry several (WhatsApp entries/changes, Bandwidth event arrays).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
@JsonSubTypes({
    @JsonSubTypes.Type(value = InboundEvent.InboundMessage.class, name = "message"),
    @JsonSubTypes.Type(value = InboundEvent.StatusUpdate.class, name = "status"),
    @JsonSubTypes.Type(value = InboundEvent.Unreadable.class, name = "unreadable"),
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
     * @param group the carrier's id for the group the message was written in (a WhatsApp {@code group_id});
     *     null for a one-to-one message
     * @param alsoKnownAs another key of the same person this message reveals (the new number of a WhatsApp
     *     user who changed it); a phone number beside a user id needs none, {@link #alias} finds it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InboundMessage(
            CarrierType carrier,
            String account,
            String carrierMessageId,
            Sender sender,
            String recipient,
            MessageContent content,
            Instant sentAt,
            String replyTo,
            JsonNode originalPayload,
            String group,
            ConversationKey alsoKnownAs)
            implements InboundEvent {
        public InboundMessage {
            Objects.requireNonNull(carrier, "carrier");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(carrierMessageId, "carrierMessageId");
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(content, "content");
        }

        /** A one-to-one message. */
        public InboundMessage(
                CarrierType carrier,
                String account,
                String carrierMessageId,
                Sender sender,
                String recipient,
                MessageContent content,
                Instant sentAt,
                String replyTo,
                JsonNode originalPayload) {
            this(
                    carrier,
                    account,
                    carrierMessageId,
                    sender,
                    recipient,
                    content,
                    sentAt,
                    replyTo,
                    originalPayload,
                    null,
                    null);
        }

        /** A message that may be a group's. */
        public InboundMessage(
                CarrierType carrier,
                String account,
                String carrierMessageId,
                Sender sender,
                String recipient,
                MessageContent content,
                Instant sentAt,
                String replyTo,
                JsonNode originalPayload,
                String group) {
            this(
                    carrier,
                    account,
                    carrierMessageId,
                    sender,
                    recipient,
                    content,
                    sentAt,
                    replyTo,
                    originalPayload,
                    group,
                    null);
        }

        /** The group's conversation for a group message, else the sender's. */
        public ConversationKey conversationKey() {
            return group != null ? ConversationKey.group(carrier, group) : ConversationKey.of(carrier, sender);
        }

        /**
         * The sender's other key, which the store links to their conversation: the one the message names
         * ({@link #alsoKnownAs}), else a user id shown beside a phone number. None for a group message.
         */
        public Optional<ConversationKey> alias() {
            if (group != null) {
                return Optional.empty();
            }
            return alsoKnownAs != null ? Optional.of(alsoKnownAs) : ConversationKey.alias(sender);
        }
    }

    /**
     * A message of a verified webhook that could not be normalized: a field missing, malformed or out of
     * range. It is kept (stored as {@code unsupported} content with its payload) rather than costing the
     * other messages of the same notification; a webhook that holds nothing but these is refused 400 with
     * the first one's reason, since nothing in it could be stored as the carrier describes it.
     *
     * @param carrierMessageId the carrier's id when it could be read, else one derived from the payload
     *     ({@code unreadable-} and the SHA-256 of the payload), the same for every retry of the webhook
     * @param sender the sender when it could be read, else the carrier's {@code unidentified} sender
     * @param reason what is wrong, as a refusal would have said it
     * @param field where, as a path into the payload
     */
    record Unreadable(
            CarrierType carrier,
            String account,
            String carrierMessageId,
            Sender sender,
            String recipient,
            String code,
            String reason,
            String field,
            JsonNode originalPayload)
            implements InboundEvent {
        public Unreadable {
            Objects.requireNonNull(carrier, "carrier");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(carrierMessageId, "carrierMessageId");
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(reason, "reason");
        }

        /**
         * The unreadable message for a refusal raised while reading {@code payload}; {@code carrierMessageId},
         * {@code sender} and {@code recipient} as far as they were read before it (null when not).
         */
        public static Unreadable of(
                CarrierType carrier,
                String account,
                String carrierMessageId,
                Sender sender,
                String recipient,
                WebhookRejection why,
                JsonNode payload) {
            return new Unreadable(
                    carrier,
                    account,
                    carrierMessageId != null ? carrierMessageId : derivedId(payload),
                    sender != null ? sender : new Sender(null, ConversationKey.UNIDENTIFIED, null),
                    recipient,
                    why.code(),
                    why.getMessage(),
                    why.field(),
                    payload);
        }

        public ConversationKey conversationKey() {
            return ConversationKey.of(carrier, sender);
        }

        private static String derivedId(JsonNode payload) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256")
                        .digest(Json.MAPPER.writeValueAsString(payload).getBytes(StandardCharsets.UTF_8));
                return "unreadable-" + HexFormat.of().formatHex(digest);
            } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
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
