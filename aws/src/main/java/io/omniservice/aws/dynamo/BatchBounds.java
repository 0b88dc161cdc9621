package io.omniservice.aws.dynamo;

import io.omniservice.core.inbound.InboundLimits;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.StorageException;
import io.omniservice.core.store.plan.MessagePlacement;
import io.omniservice.core.store.plan.MessageProgress;
import java.time.Instant;
import java.util.Map;

/**
 * The checks a batch passes before anything of it is written: every field within the bounds every store keeps
 * ({@link InboundLimits}, the JDBC store's columns), so the same webhook is refused by every store, and every
 * message within one DynamoDB item. A refusal names the message and the field, never their values.
 */
final class BatchBounds {
    private BatchBounds() {}

    static void check(Tables tables, InboundBatch batch, Instant now) {
        for (InboundBatch.NewMessage item : batch.messages()) {
            NormalizedMessage m = item.message();
            String id = m.messageId();
            within(id, "carrierMessageId", m.metadata().carrierMessageId(), InboundLimits.CARRIER_MESSAGE_ID);
            within(id, "account", m.metadata().account(), InboundLimits.ACCOUNT);
            within(id, "sender", m.sender().address(), InboundLimits.SENDER);
            within(id, "senderName", m.sender().displayName(), InboundLimits.SENDER_NAME);
            within(id, "recipient", m.recipient(), InboundLimits.RECIPIENT);
            within(id, "participant", item.conversation().participant(), InboundLimits.PARTICIPANT);
            if (item.alias() != null) {
                within(id, "alias", item.alias().participant(), InboundLimits.PARTICIPANT);
            }
            try {
                var placed = MessagePlacement.place(item, Map.of(), now, SortableTime::stored);
                long size = Items.size(MessageItems.item(tables, placed, MessageProgress.initial(m.direction())));
                if (size > Writes.MAX_ITEM_BYTES) {
                    throw refused(
                            "message " + id + " needs " + size + " bytes, more than one DynamoDB item holds (400 KB)");
                }
            } catch (IllegalArgumentException | NullPointerException e) {
                throw refused(
                        "message " + id + " cannot be placed: " + e.getClass().getSimpleName());
            }
        }
        for (StatusUpdate status : batch.statuses()) {
            String what = "a status of " + status.carrier().wireName();
            within(what, "carrierMessageId", status.carrierMessageId(), InboundLimits.CARRIER_MESSAGE_ID);
            within(what, "carrierStatus", status.carrierStatus(), InboundLimits.CARRIER_STATUS);
            within(what, "errorCode", status.errorCode(), InboundLimits.ERROR_CODE);
            try {
                SortableTime.format(status.occurredAt());
            } catch (IllegalArgumentException e) {
                throw refused(what + ": occurredAt is outside the years a key can hold");
            }
        }
    }

    private static void within(String what, String field, String value, int limit) {
        if (value != null && value.length() > limit) {
            throw refused(what + ": " + field + " is longer than " + limit + " characters");
        }
    }

    private static StorageException refused(String why) {
        return new StorageException("the batch was not committed: " + why, null);
    }
}
