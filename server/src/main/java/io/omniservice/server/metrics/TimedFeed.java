package io.omniservice.server.metrics;

import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.workflow.StepRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The change feed as the worker sees it, timing each event it takes up: how long after its commit the
 * workflow started ({@code omniservice_events_lag_seconds}). A backlog the worker falls behind on shows
 * here, whichever way events reach it (handed over at commit, or claimed from the store).
 */
public final class TimedFeed implements FeedStore {
    private final FeedStore feed;
    private final GatewayMetrics metrics;
    private final Clock clock;

    public TimedFeed(FeedStore feed, GatewayMetrics metrics, Clock clock) {
        this.feed = feed;
        this.metrics = metrics;
        this.clock = clock;
    }

    private List<ChangeEvent> timed(List<ChangeEvent> events) {
        Instant now = clock.instant();
        for (ChangeEvent event : events) {
            if (event.createdAt() != null) {
                metrics.eventLag(Duration.between(event.createdAt(), now));
            }
        }
        return events;
    }

    @Override
    public void handOffTo(String owner, Duration lease, Committed listener) {
        feed.handOffTo(owner, lease, (handedOver, waiting) -> listener.committed(timed(handedOver), waiting));
    }

    @Override
    public List<ChangeEvent> claimConversation(String owner, String conversationId, Instant now, Duration lease) {
        return timed(feed.claimConversation(owner, conversationId, now, lease));
    }

    @Override
    public void stopHandOff() {
        feed.stopHandOff();
    }

    @Override
    public List<ChangeEvent> claim(String owner, Instant now, Duration lease, int max) {
        return timed(feed.claim(owner, now, lease, max));
    }

    @Override
    public int releaseLeasesOf(String owner) {
        return feed.releaseLeasesOf(owner);
    }

    @Override
    public void release(Collection<Long> seqs) {
        feed.release(seqs);
    }

    @Override
    public CompletableFuture<Void> record(StepRecord record) {
        return feed.record(record);
    }

    @Override
    public void retryLater(long seq, int step, int attempts, String error, Instant retryAt) {
        feed.retryLater(seq, step, attempts, error, retryAt);
    }

    @Override
    public void deadLetter(ChangeEvent event, String workflow, int step, int attempts, String error) {
        feed.deadLetter(event, workflow, step, attempts, error);
    }
}
