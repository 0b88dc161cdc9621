package io.omniservice.core.store;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * Where messages, conversations, status history and change events live. Adapters: embedded H2,
 * PostgreSQL (and DynamoDB in the AWS mode); all pass the same contract tests. Part of a {@link Storage}.
 */
public interface MessageStore {

    /**
     * Commits a webhook's content in one transaction and returns only once it is durable: upserts each
     * message's conversation, inserts messages not yet stored (unique on carrier + carrier message id;
     * a repeat stores nothing), appends status history and advances statuses monotonically, and appends
     * the change events later workers consume ({@code message.received}, {@code conversation.created},
     * {@code message.status}). Adapters may group concurrent commits into one transaction.
     */
    CommitResult commit(InboundBatch batch);

    Optional<Message> message(String messageId);

    /**
     * Whose a stored message is, without reading all of it; empty when no message {@code messageId} is stored.
     * The status workflow needs no more than this to tell which API client a status change concerns, and an
     * adapter that can read the one column should.
     */
    default Optional<Owner> owner(String messageId) {
        return message(messageId).map(Owner::of);
    }

    /** The API client that sent a message; {@code client} is null for an inbound message or the gateway's own. */
    record Owner(String client) {
        public static Owner of(Message message) {
            return new Owner(
                    message.metadata() == null ? null : message.metadata().client());
        }
    }

    /** Messages of a carrier created in [since, until), oldest first: the seed's carrier-timestamp index. */
    Page<Message> messagesByCarrier(CarrierType carrier, Instant since, Instant until, PageRequest page);

    /** Messages in a status created after a time, oldest first: the seed's status-created index. */
    Page<Message> messagesByStatus(MessageStatus status, Instant createdAfter, PageRequest page);

    Optional<Conversation> conversation(String conversationId);

    /** Conversations, newest activity first; only those with this participant when it is not null. */
    Page<Conversation> conversations(String participant, PageRequest page);

    /** A conversation's messages, oldest first. */
    Page<Message> conversationMessages(String conversationId, PageRequest page);

    /**
     * The messages of several conversations as one timeline, oldest first by creation time then message id (a
     * contact's: {@link PageCursor#contactListing}); {@code listing} is what its cursors belong to.
     */
    Page<Message> conversationsMessages(java.util.Set<String> conversationIds, String listing, PageRequest page);
}
