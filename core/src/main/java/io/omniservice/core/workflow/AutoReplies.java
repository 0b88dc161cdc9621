package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.outbound.OutboundRefusal;
import io.omniservice.core.outbound.OutboundRequest;
import io.omniservice.core.outbound.OutboundService;
import io.omniservice.core.outbound.Priority;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Replies to an inbound message through the outbound pipeline, on the carrier and number it came in on.
 * Each reply has an idempotency key made from the event and what asked for it, so a step run again
 * after a crash gets the first reply's answer instead of sending a second one.
 */
public final class AutoReplies {
    /** The principal the idempotency keys belong to; no API client can have it. */
    static final String PRINCIPAL = "omniservice:workflows";

    private final OutboundService outbound;

    public AutoReplies(OutboundService outbound) {
        this.outbound = outbound;
    }

    /** {@code {"messageId": ...}} for a queued reply, or {@code {"refused": code, "detail": ...}}. */
    public ObjectNode reply(Message inbound, String text, String key) {
        return reply(inbound, text, key, false);
    }

    /** A compliance answer (HELP, an opt-out's confirmation): sent even to a customer who opted out. */
    public ObjectNode complianceNotice(Message inbound, String text, String key) {
        return reply(inbound, text, key, true);
    }

    private ObjectNode reply(Message inbound, String text, String key, boolean notice) {
        boolean chat = inbound.carrier() == CarrierType.LIVECHAT;
        String group = inbound.metadata() == null ? null : inbound.metadata().group();
        // A reply goes where the message was written: the chat, the group, or the sender.
        String to = chat
                ? inbound.recipient()
                : group != null
                        ? ConversationKey.group(inbound.carrier(), group).participant()
                        : inbound.sender();
        OutboundRequest request = new OutboundRequest(
                to,
                inbound.carrier(),
                chat ? null : inbound.recipient(),
                new MessageContent.Text(text),
                null,
                null,
                null,
                Priority.HIGH,
                null,
                null,
                null,
                null);
        ObjectNode answer = Json.MAPPER.createObjectNode();
        try {
            var idempotency = new OutboundService.Idempotency(PRINCIPAL, key, sha256(key + "\n" + text));
            OutboundService.Accepted accepted = notice
                    ? outbound.acceptComplianceNotice(request, idempotency)
                    : outbound.accept(request, idempotency);
            answer.put(
                    "messageId",
                    Json.MAPPER.readTree(accepted.response()).path("messageId").asText());
        } catch (OutboundRefusal refusal) {
            // the customer opted out, or no carrier can reach them: nothing to retry
            answer.put("refused", refusal.code());
            answer.put("detail", refusal.getMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the outbound answer is not JSON", e);
        }
        return answer;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
