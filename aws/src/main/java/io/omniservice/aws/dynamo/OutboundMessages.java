package io.omniservice.aws.dynamo;

import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.SendOutcome;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * What a send does to its message, planned by the message store's rules (core's {@code store.plan}, as the
 * DynamoDB message store applies them): the outbound store adds these actions to the transaction that also
 * writes its own items, so a send's job and its message change together. Each plan reads what it needs and is
 * conditional on what it read; when a transaction is cancelled the outbound store asks again.
 */
interface OutboundMessages {
    /** The message stored as queued in its conversation, with its callback URL, and the events that makes. */
    List<TransactWriteItem> queued(QueuedMessage queued, Instant now);

    /** A carrier took the message ({@code SendResults.accepted}): its carrier id, status, history, events. */
    List<TransactWriteItem> sent(SendOutcome.Sent sent, Instant now);

    /** No carrier took it ({@code SendResults.failed}): the message fails, with its history and events. */
    List<TransactWriteItem> failed(SendOutcome.Failed failed, Instant now);

    /** A dead send replayed: the message is queued again, its error cleared (the one way back from failed). */
    List<TransactWriteItem> requeued(String messageId, Instant now);
}
