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
import java.util.regex.Pattern;

/**
 * The SMS API's flat webhooks (query string of a GET or form body of a POST): an SMS to a virtual mobile
 * number ({@code id, recipient, originator, body, createdDatetime}) or a status report for an SMS we sent
 * ({@code id, reference, recipient, status, statusDatetime, statusReason, statusErrorCode}).
 */
final class MessageBirdSmsParser {
    /** MessageBird's message ids are 32 hex digits ({@code e8077d803532c0b5937c639b60216938}). */
    static final Pattern MESSAGE_ID = Pattern.compile("[0-9a-fA-F]{32}");

    /**
     * An originator is a phone number (up to 15 digits, an optional '+') or an alphanumeric sender id of at
     * most 11 characters, as MessageBird's SMS API defines it; a recipient is a phone number or short code.
     */
    static final Pattern ORIGINATOR = Pattern.compile("\\+?[0-9]{1,15}|[A-Za-z0-9 ]{1,11}");

    static final Pattern NUMBER = Pattern.compile("\\+?[0-9]{1,15}");

    /** statusErrorCode: MessageBird's numeric error codes. */
    static final Pattern ERROR_CODE = Pattern.compile("[0-9]{1,10}");

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
        String id = checked(required(fields, "id"), "id", MESSAGE_ID, 32);
        String originator = checked(required(fields, "originator"), "originator", ORIGINATOR, 16);
        String recipient = blankToNull(FormBody.first(fields, "recipient"));
        if (recipient != null) {
            checked(recipient, "recipient", NUMBER, 16);
        }
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
        String id = checked(required(fields, "id"), "id", MESSAGE_ID, 32);
        String raw = required(fields, "status");
        Optional<MessageStatus> status = MessageBirdStatusMap.sms(raw);
        if (status.isEmpty()) {
            return List.of();
        }
        boolean failed = status.get() == MessageStatus.FAILED;
        String errorCode = blankToNull(FormBody.first(fields, "statusErrorCode"));
        if (errorCode != null) {
            checked(errorCode, "statusErrorCode", ERROR_CODE, 10);
        }
        String recipient = blankToNull(FormBody.first(fields, "recipient"));
        if (recipient != null) {
            checked(recipient, "recipient", NUMBER, 16);
        }
        Instant occurredAt = timestamp(fields, "statusDatetime");
        return List.of(new StatusUpdate(
                CarrierType.MESSAGEBIRD,
                account,
                id,
                status.get(),
                raw,
                errorCode,
                // On a delivered report statusReason says "successfully delivered": not an error.
                failed ? blankToNull(FormBody.first(fields, "statusReason")) : null,
                occurredAt != null ? occurredAt : receivedAt,
                numberOrRaw(recipient),
                original));
    }

    private static String numberOrRaw(String value) {
        String phone = PhoneNumber.e164(value);
        return phone != null ? phone : blankToNull(value);
    }

    /** Too long is {@code field_too_long}; otherwise not in MessageBird's form is malformed. */
    static String checked(String value, String field, Pattern form, int limit) throws WebhookRejection {
        if (value.length() > limit) {
            throw WebhookRejection.tooLong(field, limit);
        }
        if (!form.matcher(value).matches()) {
            throw WebhookRejection.malformed("the " + field + " field is not in the form MessageBird sends", field);
        }
        return value;
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
