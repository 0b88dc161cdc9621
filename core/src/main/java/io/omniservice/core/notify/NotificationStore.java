package io.omniservice.core.notify;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Subscriptions and the log of published events, beside the messages. */
public interface NotificationStore {
    Subscription addSubscription(Subscription subscription);

    /** The subscriptions {@code audience} sees, oldest first. */
    List<Subscription> subscriptions(io.omniservice.core.access.Audience audience);

    Optional<Subscription> subscription(String id);

    /** Removes it and the deliveries still waiting for it; false when there was none. */
    boolean deleteSubscription(String id);

    /**
     * Published events after {@code position}, oldest first, of the given types (all when empty), that
     * {@code audience} sees: shared events and those about its own messages.
     */
    List<PublishedEvent> publishedAfter(
            long position, Set<String> types, int max, io.omniservice.core.access.Audience audience);

    /** The position of the newest published event, 0 when there is none: where a new stream starts. */
    long lastPosition();

    /** Forgets published events older than {@code before}: a stream cannot resume from further back. */
    int prunePublishedBefore(java.time.Instant before);
}
