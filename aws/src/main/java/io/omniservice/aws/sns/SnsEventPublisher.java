package io.omniservice.aws.sns;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.notify.EventPublisher;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;
import software.amazon.awssdk.services.sns.model.SnsException;

/**
 * Publishes the gateway's events to one SNS topic: the body is the envelope subscribers get in a webhook,
 * and the message attributes carry what subscription filter policies match on. On a FIFO topic a
 * conversation's events keep their order (they share a message group) and a retried publish of the same
 * event is one message (its id is the deduplication id, within SNS's five-minute window).
 */
public final class SnsEventPublisher implements EventPublisher {
    /** SNS's limit for one published message, body and attributes together. */
    public static final int MAX_MESSAGE_BYTES = 256 * 1024;

    // The message attributes filter policies match on: the type always, the others where the event has them.
    public static final String TYPE = "type";
    public static final String CARRIER = "carrier";
    public static final String DIRECTION = "direction";
    public static final String CONVERSATION_ID = "conversationId";

    private final SnsClient sns;
    private final String topicArn;
    private final boolean fifo;

    public SnsEventPublisher(SnsClient sns, String topicArn) {
        if (topicArn == null || !topicArn.startsWith("arn:")) {
            throw new IllegalArgumentException("an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:events"
                    + " is needed, got '" + topicArn + "'");
        }
        this.sns = sns;
        this.topicArn = topicArn;
        this.fifo = topicArn.endsWith(".fifo");
    }

    public String topicArn() {
        return topicArn;
    }

    @Override
    public void publish(EventEnvelope event) {
        String body = Json.text(event);
        Map<String, MessageAttributeValue> attributes = attributes(event);
        int size = size(body, attributes);
        if (size > MAX_MESSAGE_BYTES) {
            // SNS would refuse it too; said here with the event's id, so the dead letter tells what happened
            throw new IllegalArgumentException("event " + event.id() + " (" + event.type() + ") is " + size
                    + " bytes with its attributes, over SNS's limit of " + MAX_MESSAGE_BYTES + " bytes");
        }
        PublishRequest.Builder request =
                PublishRequest.builder().topicArn(topicArn).message(body).messageAttributes(attributes);
        if (fifo) {
            request.messageGroupId(messageGroup(event))
                    .messageDeduplicationId(event.id().toString());
        }
        try {
            sns.publish(request.build());
        } catch (SnsException e) {
            String code =
                    e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String message = e.awsErrorDetails() == null
                    ? e.getMessage()
                    : e.awsErrorDetails().errorMessage();
            throw new IllegalStateException(
                    "SNS refused event " + event.id() + " (" + event.type() + ") on " + topicArn + ": HTTP "
                            + e.statusCode() + (code == null ? "" : " " + code) + ": " + message,
                    e);
        } catch (SdkException e) {
            throw new IllegalStateException(
                    "event " + event.id() + " (" + event.type() + ") not published to " + topicArn + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The attributes a subscription's filter policy can match: the event's type always; its carrier, direction
     * and conversation where its data has them (a message carries all three, a status change no direction).
     */
    static Map<String, MessageAttributeValue> attributes(EventEnvelope event) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        put(attributes, TYPE, event.type());
        JsonNode data = event.data();
        if (data != null) {
            put(attributes, CARRIER, text(data, CARRIER));
            put(attributes, DIRECTION, text(data, DIRECTION));
            put(attributes, CONVERSATION_ID, text(data, CONVERSATION_ID));
        }
        return attributes;
    }

    /** The conversation keeps its events in order; an event of no conversation is in no one's way. */
    static String messageGroup(EventEnvelope event) {
        String conversation = event.data() == null ? null : text(event.data(), CONVERSATION_ID);
        return conversation != null ? conversation : "event-" + event.id();
    }

    private static String text(JsonNode data, String field) {
        JsonNode value = data.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }

    private static void put(Map<String, MessageAttributeValue> attributes, String name, String value) {
        if (value != null) {
            attributes.put(
                    name,
                    MessageAttributeValue.builder()
                            .dataType("String")
                            .stringValue(value)
                            .build());
        }
    }

    /** As SNS counts it: the body, and each attribute's name, data type and value. */
    private static int size(String body, Map<String, MessageAttributeValue> attributes) {
        int size = utf8(body);
        for (Map.Entry<String, MessageAttributeValue> attribute : attributes.entrySet()) {
            size += utf8(attribute.getKey())
                    + utf8(attribute.getValue().dataType())
                    + utf8(attribute.getValue().stringValue());
        }
        return size;
    }

    private static int utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
