package io.omniservice.core.store;

import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.rules.RuleStore;
import java.time.Clock;

/**
 * One storage system as the gateway sees it: every store port the pipeline uses, on one database (the
 * embedded H2 file, PostgreSQL, or DynamoDB with SQS in the AWS mode). The gateway is wired against this
 * interface only; which adapter stands behind it is the configuration's {@code storage.mode}.
 */
public interface Storage extends AutoCloseable {

    /** Messages, conversations, status history and the change events their commits write. */
    MessageStore messages();

    /** The change feed the workflow workers lease from. */
    FeedStore feed();

    /** Send jobs, attempts, idempotency keys, routing rules, opt-outs, callbacks and dead letters. */
    OutboundStore outbound();

    /** Subscriptions and the log of published events. */
    NotificationStore notifications();

    /** Rules created through the API, and which fired for a message. */
    RuleStore rules();

    /** Clients' signing secrets. */
    ClientSecretStore clientSecrets();

    /** Contacts: a person's identities across channels. */
    io.omniservice.core.contact.ContactStore contacts();

    /**
     * A 256-bit secret kept under {@code name}, made by whichever node asks first, so every node signs
     * (cursors, media URLs) with the same key without configuring one.
     */
    byte[] sharedKey(String name);

    /**
     * Where one-time tokens of carrier webhooks are remembered. A store shared by several nodes keeps them
     * itself, so a token seen by one node is refused by all; by default each process remembers its own.
     */
    default ReplayGuard replayGuard(Clock clock) {
        return new InMemoryReplayGuard(clock);
    }

    /**
     * Where published events go beyond subscribers and the event stream, when the storage system has such a
     * channel (the AWS mode's SNS topic); none by default.
     */
    default java.util.List<io.omniservice.core.notify.EventPublisher> eventPublishers() {
        return java.util.List.of();
    }

    /** Whether storage answers now (for {@code /health/ready}). */
    boolean isReady();

    /** Finishes pending writes, then releases connections; called once, after HTTP has stopped. */
    @Override
    void close();
}
