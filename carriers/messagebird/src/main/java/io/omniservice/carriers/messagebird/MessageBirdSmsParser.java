package io.omniservice.carriers.messagebird;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.model.Sender;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SMS API's flat webhooks (query string of a GET or form body of a POST): an SMS to a virtual mobile
 * number ({@code id, recipient, originator, body, createdDatetime}) or a status report for an SMS we sent
 * ({@code id, reference, recipient, status, statusDatetime, statusReason, statusErrorCode}).
 */
final class MessageBirdSmsParser {
    private final String account;

    MessageBirdSmsParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(Map<String, List<String>> fields, Instant receivedAt) throws WebhookRejection {
        ObjectNode original = Json.MAPPER.createObjectNode();
        fields.forEach((name, values) -> original.put(name, values.getFirst()));
        if (fields.containsKey("status")) {
            return statusReport(fields, original, receivedAt);
        }
        if (fields.containsKey("originator")) {
            return List.of(inboundSms(fields, original));
        }
        throw WebhookRejection.malformed(
                "neither an inbound SMS (originator, body) nor a status report (status): no originator or status");
    }

    private InboundEvent inboundSms(Map<String, List<String>> fields, ObjectNode original) throws WebhookRejection {
        String id = required(fields, "id");
        String originator = required(fields, "originator");
        String recipient = FormBody.first(fields, "recipient");
        String phone = PhoneNumber.e164(originator);
        Sender sender = new Sender(phone, phone != null ? phone : originator, null);
        return new InboundMessage(
                CarrierType.MESSAGEBIRD,
                account,
                id,
                sender,
                numberOrRaw(recipient),
                new MessageContent.Text(
                        Optional.ofNullable(FormBody.first(fields, "body")).orElse("")),
                timestamp(fields, "createdDatetime"),
                null,
                original);
    }

    private List<InboundEvent> statusReport(Map<String, List<String>> fields, ObjectNode original, Instant receivedAt)
            throws WebhookRejection {
        String id = required(fields, "id");
        String raw = required(fields, "status");
        Optional<MessageStatus> status = MessageBirdStatusMap.sms(raw);
        if (status.isEmpty()) {
            return List.of();
        }
        boolean failed = status.get() == MessageStatus.FAILED;
        Instant occurredAt = timestamp(fields, "statusDatetime");
        return List.of(new StatusUpdate(
                CarrierType.MESSAGEBIRD,
                account,
                id,
                status.get(),
                raw,
                blankToNull(FormBody.first(fields, "statusErrorCode")),
                // On a delivered report statusReason says "successfully delivered": not an error.
                failed ? blankToNull(FormBody.first(fields, "statusReason")) : null,
                occurredAt != null ? occurredAt : receivedAt,
                numberOrRaw(FormBody.first(fields, "recipient")),
                original));
    }

    private static String numberOrRaw(String value) {
        String phone = PhoneNumber.e164(value);
        return phone != null ? phone : blankToNull(value);
    }

    private static String required(Map<String, List<String>> fields, String name) throws WebhookRejection {
        String value = FormBody.first(fields, name);
        if (value == null || value.isBlank()) {
            throw WebhookRejection.malformed("the " + name + " field is missing", name);
        }
        return value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Instant timestamp(Map<String, List<String>> fields, String name) throws WebhookRejection {
        String value = blankToNull(FormBody.first(fields, name));
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw WebhookRejection.malformed("the " + name + " field is not an ISO-8601 date-time", name);
        }
    }
}
