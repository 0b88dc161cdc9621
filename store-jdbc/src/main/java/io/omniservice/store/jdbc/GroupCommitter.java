package io.omniservice.store.jdbc;

import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: callers queue their batches and one writer thread writes everything pending in one
 * transaction, so a burst of webhooks costs one durable commit instead of one each. A caller's future
 * completes only after the COMMIT that holds its batch returned.
 */
final class GroupCommitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);

    private final DataSource dataSource;
    private final Clock clock;
    private final int maxGroupSize;
    private final Durability durability;
    /** How long the writer waits for more work when a group would be smaller than {@link #SMALL_GROUP}. */
    private static final java.time.Duration LINGER = java.time.Duration.ofMillis(2);

    private static final int SMALL_GROUP = 32;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition pendingChanged = lock.newCondition();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final Thread writer;
    private boolean closing;
    private volatile GroupTransaction.Handoff handoff;
    private volatile GroupTransaction.DeliveryHandoff deliveryHandoff;

    final AtomicLong groupsCommitted = new AtomicLong();
    final AtomicLong batchesCommitted = new AtomicLong();
    final AtomicLong groupsRetriedAlone = new AtomicLong();

    /** An {@link InboundBatch} or a {@link TransactionWork}, and who waits for it. */
    private record Pending(Object unit, CompletableFuture<Object> result) {}

    /**
     * What makes a commit reach the disk before its callers hear of it: a statement run in the
     * transaction before writing, and one run after COMMIT; either may be null. {@code relaxed} is the
     * opposite, for transactions whose loss costs nothing but a repeat (leases): null where commits
     * cost no flush anyway.
     */
    /**
     * How commits are made durable on this database, and {@code publishLock}: what a transaction that
     * publishes events runs first so that positions become visible in order (null where one node writes).
     */
    record Durability(String beforeWrite, String afterCommit, String relaxed, String publishLock) {
        /** The advisory lock every node's publishing transactions take ("omnipubs"). */
        static final long PUBLISH_LOCK = 0x6f6d6e6970756273L;

        /**
         * PostgreSQL flushes its WAL at COMMIT unless synchronous_commit is off; then turn it on for us.
         * Several nodes may share it: two transactions could take positions 5 and 6 and commit 6 first, and
         * a reader following the log by position would skip 5. Each publishing transaction therefore holds
         * one advisory lock until it ends; PostgreSQL makes a commit visible before it releases the
         * transaction's locks, so the next publisher's positions are both higher and visible later.
         */
        static Durability postgres(boolean synchronousCommitIsOff) {
            return new Durability(
                    synchronousCommitIsOff ? "SET LOCAL synchronous_commit = on" : null,
                    null,
                    "SET LOCAL synchronous_commit = off",
                    "SELECT pg_advisory_xact_lock(" + PUBLISH_LOCK + ")");
        }

        /** Whether several nodes may share the database (and so what they must share lives in it). */
        boolean sharedByNodes() {
            return publishLock != null;
        }

        /**
         * H2 with WRITE_DELAY=0 writes each commit to the file but leaves it in the operating system's
         * cache: safe when the process dies, not when the machine does. CHECKPOINT SYNC forces it to the
         * device, once per group.
         */
        static Durability embedded() {
            return new Durability(null, "CHECKPOINT SYNC", null, null);
        }

        /**
         * SQLite with synchronous=FULL syncs the WAL before COMMIT returns: nothing to add. Leases stay as
         * durable as the rest: synchronous is a setting of the connection, not of one transaction, so relaxing
         * it for a lease would leave a pooled connection relaxed for the next group commit unless every path
         * put it back, and a lease commit is a small share of the writes.
         */
        static Durability sqlite() {
            return new Durability(null, null, null, null);
        }
    }

    /** The group is committed, but could not be forced to disk: its callers must not be told it is stored. */
    private static final class NotForced extends SQLException {
        NotForced(SQLException cause) {
            super("committed but not forced to disk: " + cause.getMessage(), cause.getSQLState(), cause);
        }
    }

    GroupCommitter(DataSource dataSource, Clock clock, int maxGroupSize, Durability durability, String name) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.maxGroupSize = maxGroupSize;
        this.durability = durability;
        this.writer = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
        writer.start();
    }

    /** Queues the batches together (they are written in the same group unless it is full). */
    @SuppressWarnings("unchecked")
    List<CompletableFuture<CommitResult>> submit(List<InboundBatch> batches) {
        List<CompletableFuture<Object>> results = enqueue(List.copyOf(batches));
        return results.stream().map(f -> f.thenApply(r -> (CommitResult) r)).toList();
    }

    /** Queues work to run in the next group's transaction; the future completes once it is durable. */
    @SuppressWarnings("unchecked")
    <R> CompletableFuture<R> submit(TransactionWork<R> work) {
        return enqueue(List.of(work)).getFirst().thenApply(r -> (R) r);
    }

    /** Queues work that the group writes together with the others of its kind. */
    CompletableFuture<Object> submit(BatchedWork work) {
        return enqueue(List.of(work)).getFirst();
    }

    private List<CompletableFuture<Object>> enqueue(List<Object> units) {
        List<CompletableFuture<Object>> results = new ArrayList<>(units.size());
        lock.lock();
        try {
            if (closing) {
                throw new IllegalStateException("the message store is closed");
            }
            for (Object unit : units) {
                CompletableFuture<Object> result = new CompletableFuture<>();
                pending.add(new Pending(unit, result));
                results.add(result);
            }
            pendingChanged.signalAll();
        } finally {
            lock.unlock();
        }
        return results;
    }

    private void run() {
        while (true) {
            List<Pending> group = new ArrayList<>();
            lock.lock();
            try {
                while (pending.isEmpty() && !closing) {
                    pendingChanged.awaitUninterruptibly();
                }
                if (pending.isEmpty()) {
                    return;
                }
                lingerWhileSmall();
                while (!pending.isEmpty() && group.size() < maxGroupSize) {
                    group.add(pending.poll());
                }
            } finally {
                lock.unlock();
            }
            write(group);
        }
    }

    /**
     * A group costs a fixed price (H2 stores every page the transaction touched, then the disk sync) plus
     * a little per unit, so a small group is worth holding back briefly for company. Measured with the
     * events benchmark at 500 messages/s: 3.4 ms per group of 5 units kept the writer 99% busy; with
     * this wait, groups of 8–10 took it to 56–61% and p99 from 250 ms to 110 ms.
     */
    private void lingerWhileSmall() {
        long deadline = System.nanoTime() + LINGER.toNanos();
        long left;
        while (pending.size() < SMALL_GROUP && !closing && (left = deadline - System.nanoTime()) > 0) {
            try {
                pendingChanged.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void write(List<Pending> group) {
        try {
            List<Object> results =
                    commitTogether(group.stream().map(Pending::unit).toList());
            groupsCommitted.incrementAndGet();
            batchesCommitted.addAndGet(group.size());
            for (int i = 0; i < group.size(); i++) {
                group.get(i).result().complete(results.get(i));
            }
        } catch (Exception groupFailure) {
            if (group.size() == 1 || groupFailure instanceof NotForced) {
                // writing each alone again would find them stored and call them duplicates
                group.forEach(p -> p.result().completeExceptionally(groupFailure));
                return;
            }
            // one bad batch must not fail its neighbours: write each alone, each caller gets its own outcome
            groupsRetriedAlone.incrementAndGet();
            LOG.warn(
                    "group of {} batches failed, writing each alone: {}",
                    group.size(),
                    FailureDescription.of(groupFailure));
            for (Pending one : group) {
                try {
                    Object result = commitTogether(List.of(one.unit())).getFirst();
                    groupsCommitted.incrementAndGet();
                    batchesCommitted.incrementAndGet();
                    one.result().complete(result);
                } catch (Exception failure) {
                    one.result().completeExceptionally(failure);
                }
            }
        } catch (Error fatal) {
            // keep the writer alive: a dead writer would leave every later caller waiting forever
            LOG.error("group of {} batches not written: {}", group.size(), FailureDescription.of(fatal));
            group.forEach(p -> p.result().completeExceptionally(fatal));
        }
    }

    /** From now on, change events are written leased to the hand-off's owner and given to it after commit. */
    void handOff(GroupTransaction.Handoff handoff) {
        this.handoff = handoff;
    }

    /** From now on, new subscription deliveries are written leased and given to the dispatcher after commit. */
    void handOffDeliveries(GroupTransaction.DeliveryHandoff handoff) {
        this.deliveryHandoff = handoff;
    }

    private List<Object> commitTogether(List<Object> units) throws SQLException {
        GroupTransaction.Handoff to = handoff;
        GroupTransaction.DeliveryHandoff deliveriesTo = deliveryHandoff;
        GroupTransaction.HandedOver handedOff = new GroupTransaction.HandedOver();
        List<Object> results = commitTogether(units, to, deliveriesTo, handedOff);
        try {
            if (to != null
                    && (!handedOff.events().isEmpty() || !handedOff.waiting().isEmpty())) {
                to.listener().committed(handedOff.events(), handedOff.waiting());
            }
            if (deliveriesTo != null && !handedOff.deliveries().isEmpty()) {
                deliveriesTo.listener().accept(handedOff.deliveries());
            }
        } catch (RuntimeException e) {
            // what was handed over is stored and leased: it runs when the lease runs out
            LOG.warn("work not handed over: {}", e.toString());
        }
        return results;
    }

    private List<Object> commitTogether(
            List<Object> units,
            GroupTransaction.Handoff to,
            GroupTransaction.DeliveryHandoff deliveriesTo,
            GroupTransaction.HandedOver handedOff)
            throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (durability.beforeWrite() != null) {
                    try (Statement statement = connection.createStatement()) {
                        statement.execute(durability.beforeWrite());
                    }
                }
                List<Object> results = GroupTransaction.write(
                        connection, units, clock.instant(), to, deliveriesTo, handedOff, durability.publishLock());
                connection.commit();
                if (durability.afterCommit() != null) {
                    try (Statement statement = connection.createStatement()) {
                        statement.execute(durability.afterCommit());
                    } catch (SQLException notForced) {
                        throw new NotForced(notForced);
                    }
                }
                return results;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        }
    }

    /** Writes everything already queued, then stops the writer. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            pendingChanged.signalAll();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        // nothing is left unless the writer died; its callers must not wait forever
        lock.lock();
        try {
            for (Pending left : pending) {
                left.result().completeExceptionally(new IllegalStateException("the message store closed"));
            }
            pending.clear();
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
