package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.putString;
import static io.omniservice.aws.dynamo.Items.putTime;
import static io.omniservice.aws.dynamo.Items.s;
import static io.omniservice.aws.dynamo.Items.string;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.omniservice.aws.dynamo.Tables.Messages;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.model.StatusChange;
import io.omniservice.core.store.plan.MessageProgress;
import io.omniservice.core.store.plan.PlacedMessage;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** A message as an item of the messages table, and back. */
final class MessageItems {
    private MessageItems() {}

    /** {@code <created>#<messageId>}: the sort key, which orders a conversation oldest first. */
    static String messageKey(Instant created, String messageId) {
        return SortableTime.format(created) + "#" + messageId;
    }

    /** The item of a newly stored message, showing {@code progress}. */
    static Map<String, AttributeValue> item(Tables tables, PlacedMessage placed, MessageProgress progress) {
        NormalizedMessage m = placed.message();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Messages.CONVERSATION_ID, s(m.conversationId()));
        item.put(Messages.MESSAGE_KEY, s(messageKey(placed.createdAt(), m.messageId())));
        item.put(Messages.MESSAGE_ID, s(m.messageId()));
        item.put(Messages.DIRECTION, s(m.direction().wireName()));
        item.put(Messages.CARRIER, s(placed.carrier().wireName()));
        item.put(Messages.CARRIER_SHARD, s(placed.carrier().wireName() + "#" + tables.shardOf(m.messageId())));
        item.put(Messages.ACCOUNT, s(m.metadata().account()));
        putString(item, Messages.CARRIER_MESSAGE_ID, m.metadata().carrierMessageId());
        item.put(Messages.SENDER, s(m.sender().address()));
        putString(item, Messages.SENDER_NAME, m.sender().displayName());
        putString(item, Messages.RECIPIENT, m.recipient());
        item.put(Messages.CONTENT, s(json(m.content(), MessageContent.class)));
        item.put(Messages.CREATED_AT, Items.time(placed.createdAt()));
        item.put(Messages.METADATA, s(json(m.metadata(), MessageMetadata.class)));
        putString(item, Messages.CLIENT_ID, m.metadata().client());
        withProgress(tables, m.messageId(), item, progress);
        return item;
    }

    /** The item with its status, step times and error set to {@code progress} (absent where null). */
    static Map<String, AttributeValue> withProgress(
            Tables tables, String messageId, Map<String, AttributeValue> item, MessageProgress progress) {
        item.put(Messages.STATUS, s(progress.status().wireName()));
        item.put(Messages.STATUS_SHARD, s(progress.status().wireName() + "#" + tables.shardOf(messageId)));
        for (String name : List.of(
                Messages.SENT_AT,
                Messages.DELIVERED_AT,
                Messages.READ_AT,
                Messages.ERROR_CODE,
                Messages.ERROR_MESSAGE)) {
            item.remove(name);
        }
        putTime(item, Messages.SENT_AT, progress.sentAt());
        putTime(item, Messages.DELIVERED_AT, progress.deliveredAt());
        putTime(item, Messages.READ_AT, progress.readAt());
        putString(item, Messages.ERROR_CODE, progress.errorCode());
        putString(item, Messages.ERROR_MESSAGE, progress.errorMessage());
        return item;
    }

    static MessageProgress progress(Map<String, AttributeValue> item) {
        return new MessageProgress(
                MessageStatus.fromWireName(string(item, Messages.STATUS)),
                Items.instant(item, Messages.SENT_AT),
                Items.instant(item, Messages.DELIVERED_AT),
                Items.instant(item, Messages.READ_AT),
                string(item, Messages.ERROR_CODE),
                string(item, Messages.ERROR_MESSAGE));
    }

    /** The message an item holds, with its history as read ({@code MessageHistory.withCreation}). */
    static Message message(Map<String, AttributeValue> item, List<StatusChange> history) {
        String errorCode = string(item, Messages.ERROR_CODE);
        String errorMessage = string(item, Messages.ERROR_MESSAGE);
        return new Message(
                string(item, Messages.MESSAGE_ID),
                string(item, Messages.CONVERSATION_ID),
                Direction.fromWireName(string(item, Messages.DIRECTION)),
                carrier(string(item, Messages.CARRIER)),
                string(item, Messages.SENDER),
                string(item, Messages.SENDER_NAME),
                string(item, Messages.RECIPIENT),
                read(string(item, Messages.CONTENT), MessageContent.class),
                MessageStatus.fromWireName(string(item, Messages.STATUS)),
                new Message.Timestamps(
                        Items.instant(item, Messages.CREATED_AT),
                        Items.instant(item, Messages.SENT_AT),
                        Items.instant(item, Messages.DELIVERED_AT),
                        Items.instant(item, Messages.READ_AT)),
                string(item, Messages.CARRIER_MESSAGE_ID),
                errorCode == null && errorMessage == null ? null : new Message.MessageError(errorCode, errorMessage),
                history,
                read(string(item, Messages.METADATA), MessageMetadata.class));
    }

    static CarrierType carrier(String wireName) {
        return CarrierType.fromWireName(wireName)
                .orElseThrow(() -> new IllegalStateException("stored carrier is unknown: " + wireName));
    }

    static String json(Object value, Class<?> declaredType) {
        try {
            return Json.MAPPER.writerFor(declaredType).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON cannot be read as " + type.getSimpleName(), e);
        }
    }
}
