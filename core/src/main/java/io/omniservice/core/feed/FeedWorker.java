package io.omniservice.core.feed;

import io.omniservice.core.workflow.WorkflowEngine;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change-feed worker (the seed's stream processor): runs each event's workflow, a conversation's
 * events one at a time in commit order, many conversations at once. Events this node commits are handed
 * over right after their commit; a poll picks up the rest (retries that fell due, events of a node that
 * stopped). When an event must wait for a retry, the conversation's later events go back to the feed,
 * which keeps them until it is done.
 */
public final class FeedWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedWorker.class);

    private final FeedStore feed;
    private final WorkflowEngine engine;
    private final FeedSettings settings;
    private final Clock clock;
    private final ExecutorService lanesRunning = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore slots;
    private final Object lock = new Object();
    /** Events waiting per conversation; a lane in the map is running or about to run. */
    private final Map<String, ArrayDeque<ChangeEvent>> lanes = new HashMap<>();
    /** Every event this node holds, so a poll does not queue one twice. */
    private final Set<Long> held = new HashSet<>();
    /** Conversations with events waiting in the store behind one this node runs: claimed when it is done. */
    private final Set<String> more = new HashSet<>();

    /**
     * Counted down to stop the poller. It is never interrupted: H2 closes its database file when a thread
     * is interrupted in the middle of reading or writing it.
     */
    private final java.util.concurrent.CountDownLatch stopping = new java.util.concurrent.CountDownLatch(1);

    private volatile boolean running;
    private Thread poller;

    public FeedWorker(FeedStore feed, WorkflowEngine engine, FeedSettings settings, Clock clock) {
        this.feed = feed;
        this.engine = engine;
        this.settings = settings;
        this.clock = clock;
        this.slots = new Semaphore(settings.maxInFlight());
    }

    /** Takes back this node's leases from before a restart, then takes events as they are committed. */
    public void start() {
        int released = feed.releaseLeasesOf(settings.nodeId());
        if (released > 0) {
            LOG.info("{} change events held before the restart are due again", released);
        }
        running = true;
        feed.handOffTo(settings.nodeId(), settings.lease(), (events, waiting) -> {
            accept(events);
            waiting(waiting);
        });
        poller = Thread.ofPlatform().name("omniservice-feed").daemon(true).start(this::poll);
    }

    /** Queues events behind their conversation's earlier ones. */
    void accept(List<ChangeEvent> events) {
        List<String> toStart = new ArrayList<>();
        synchronized (lock) {
            for (ChangeEvent event : events) {
                if (!held.add(event.seq())) {
                    continue;
                }
                ArrayDeque<ChangeEvent> lane = lanes.get(event.orderKey());
                if (lane == null) {
                    lane = new ArrayDeque<>();
                    lanes.put(event.orderKey(), lane);
                    toStart.add(event.orderKey());
                }
                lane.add(event);
            }
        }
        for (String key : toStart) {
            lanesRunning.execute(() -> runLane(key));
        }
    }

    /** New events of these conversations wait in the store behind older ones: run them after those. */
    void waiting(Set<String> conversations) {
        List<String> toStart = new ArrayList<>();
        synchronized (lock) {
            for (String key : conversations) {
                more.add(key);
                if (!lanes.containsKey(key)) {
                    lanes.put(key, new ArrayDeque<>());
                    toStart.add(key);
                }
            }
        }
        for (String key : toStart) {
            lanesRunning.execute(() -> runLane(key));
        }
    }

    /** The conversation's events that waited in the store, queued in its lane; false if there were none. */
    private boolean claimMore(String key) {
        List<ChangeEvent> claimed;
        try {
            claimed = feed.claimConversation(settings.nodeId(), key, clock.instant(), settings.lease());
        } catch (RuntimeException e) {
            LOG.warn("change events of a conversation not leased, the poll takes them: {}", e.toString());
            return false;
        }
        synchronized (lock) {
            ArrayDeque<ChangeEvent> lane = lanes.get(key);
            for (ChangeEvent event : claimed) {
                if (held.add(event.seq())) {
                    lane.add(event);
                }
            }
            return !lane.isEmpty();
        }
    }

    private void runLane(String key) {
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            while (running) {
                ChangeEvent next;
                boolean claim;
                synchronized (lock) {
                    ArrayDeque<ChangeEvent> lane = lanes.get(key);
                    next = lane.peek();
                    claim = next == null && more.remove(key);
                    if (next == null && !claim) {
                        lanes.remove(key);
                        return;
                    }
                }
                if (claim) {
                    if (!claimMore(key)) {
                        synchronized (lock) {
                            if (lanes.get(key).isEmpty() && !more.contains(key)) {
                                lanes.remove(key);
                                return;
                            }
                        }
                    }
                    continue;
                }
                WorkflowEngine.Outcome outcome;
                try {
                    outcome = engine.run(next);
                } catch (RuntimeException e) {
                    // the store could not record progress (or not say that it did): the event is given back, due
                    // now, and runs again from the progress that is stored; should that fail too, its lease runs
                    // out. Its conversation's later events are given back below, so they keep their order.
                    LOG.warn("event {} not processed, given back: {}", next.eventId(), e.toString());
                    giveBackQuietly(next);
                    outcome = WorkflowEngine.Outcome.RETRY_LATER;
                }
                List<Long> giveBack = new ArrayList<>();
                synchronized (lock) {
                    ArrayDeque<ChangeEvent> lane = lanes.get(key);
                    lane.poll();
                    held.remove(next.seq());
                    if (outcome == WorkflowEngine.Outcome.RETRY_LATER) {
                        more.remove(key); // they wait in the store for the retry, then the poll
                        for (ChangeEvent later : lane) {
                            giveBack.add(later.seq());
                            held.remove(later.seq());
                        }
                        lanes.remove(key);
                    }
                }
                if (!giveBack.isEmpty()) {
                    feed.release(giveBack);
                }
                if (outcome == WorkflowEngine.Outcome.RETRY_LATER) {
                    return;
                }
            }
        } finally {
            slots.release();
        }
    }

    private void giveBackQuietly(ChangeEvent event) {
        try {
            feed.release(List.of(event.seq()));
        } catch (RuntimeException e) {
            LOG.warn("event {} not given back, due when its lease runs out: {}", event.eventId(), e.toString());
        }
    }

    private void poll() {
        while (running) {
            try {
                int room;
                synchronized (lock) {
                    room = Math.max(0, settings.maxInFlight() * 4 - held.size());
                }
                if (room > 0) {
                    List<ChangeEvent> due = feed.claim(settings.nodeId(), clock.instant(), settings.lease(), room);
                    accept(due);
                }
            } catch (RuntimeException e) {
                LOG.warn("change feed poll failed: {}", e.toString());
            }
            try {
                stopping.await(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Events queued or running on this node. */
    public int held() {
        synchronized (lock) {
            return held.size();
        }
    }

    @Override
    public void close() {
        feed.stopHandOff();
        running = false;
        stopping.countDown();
        if (poller != null) {
            try {
                poller.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lanesRunning.shutdown();
        try {
            lanesRunning.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Long> unfinished;
        synchronized (lock) {
            unfinished = new ArrayList<>(held);
        }
        if (!unfinished.isEmpty()) {
            try {
                feed.release(unfinished);
            } catch (RuntimeException e) {
                LOG.warn(
                        "{} change events stay leased until their lease runs out: {}", unfinished.size(), e.toString());
            }
        }
    }
}
