package io.omniservice.store.jdbc;

import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.outbound.AcceptResult;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.plan.MessageProgress;
import io.omniservice.core.store.plan.SendResults;
import io.omniservice.core.store.plan.StatusReports;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The two outbound writes that come at the rate of sends — an accepted request and a carrier's
 * acceptance — written for a whole group with batched statements. Anything unusual (a reused
 * idempotency key, a status that raced ahead of the send's answer, a carrier id already taken) takes
 * the one-at-a-time path that handles every case.
 */
final class OutboundWrites {
    private OutboundWrites() {}

    /** An accepted {@code POST /v1/messages}: message, send job and idempotency key. */
    record Accept(QueuedMessage queued) implements BatchedWork {
        @Override
        public Writer writer() {
            return ACCEPT;
        }
    }

    /** A carrier took the message. */
    record Sent(SendOutcome.Sent outcome) implements BatchedWork {
        @Override
        public Writer writer() {
            return SENT;
        }
    }

    /**
     * A queued message becomes sent, only while it is still queued. The status is compared through COALESCE so
     * that only the primary key can serve the statement: compared plainly, PostgreSQL's generic plan for it (the
     * one it keeps after five runs of a prepared statement, until the table is analysed again) was planned on a
     * table still empty at start and chose the (status, created_at, message_id) index, matching both columns,
     * and every run then walked the index entries of every queued message, and those of the messages sent since,
     * to find one: 4–8 ms a row with 13,000 queued (on a server with autovacuum off, where that plan stayed),
     * where the primary key takes some 50 µs.
     */
    static final String MARK_SENT = """
            UPDATE messages SET carrier = ?, account = ?, carrier_message_id = ?, status = ?, sent_at = ?,
                sender = COALESCE(?, sender)
            WHERE message_id = ? AND COALESCE(status, '') = ?""";

    /**
     * A conversation's carrier, written only when it changed: most sends go over the carrier the conversation
     * already has, and an UPDATE that rewrites a row with the same values still writes it (a new row version on
     * PostgreSQL, a page in SQLite's WAL).
     */
    static final String CONVERSATION_CARRIER = "UPDATE conversations SET carrier = ? WHERE id = ? AND carrier <> ?";

    private static final BatchedWork.Writer ACCEPT = OutboundWrites::accept;
    private static final BatchedWork.Writer SENT = OutboundWrites::sent;

    private static List<Object> accept(GroupTransaction tx, List<BatchedWork> units) throws SQLException {
        Connection connection = tx.connection();
        List<QueuedMessage> all = units.stream().map(u -> ((Accept) u).queued()).toList();
        Object[] results = new Object[all.size()];
        List<Integer> keyed = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).idempotencyKey() != null) {
                keyed.add(i);
            }
        }
        if (!keyed.isEmpty()) {
            int[] counts;
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO idempotency_keys (principal, idem_key, request_hash, message_id, response, created_at)
                    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
                for (int i : keyed) {
                    QueuedMessage q = all.get(i);
                    insert.setString(1, q.idempotencyKey().principal());
                    insert.setString(2, q.idempotencyKey().key());
                    insert.setString(3, q.idempotencyKey().requestHash());
                    insert.setString(4, q.message().messageId());
                    insert.setString(5, q.response());
                    SqlTime.set(insert, 6, tx.now());
                    insert.addBatch();
                }
                counts = insert.executeBatch();
            }
            for (int k = 0; k < keyed.size(); k++) {
                if (counts[k] == 0) {
                    QueuedMessage q = all.get(keyed.get(k));
                    results[keyed.get(k)] = JdbcOutboundStore.keyUsed(
                                    connection,
                                    q.idempotencyKey().principal(),
                                    q.idempotencyKey().key(),
                                    q.idempotencyKey().requestHash())
                            .orElseThrow();
                }
            }
        }
        List<QueuedMessage> storing = new ArrayList<>();
        List<InboundBatch> messages = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (results[i] == null) {
                QueuedMessage q = all.get(i);
                storing.add(q);
                messages.add(new InboundBatch(
                        List.of(new InboundBatch.NewMessage(q.message(), q.conversation())), List.of()));
                results[i] = new AcceptResult.Stored();
            }
        }
        if (storing.isEmpty()) {
            return List.of(results);
        }
        tx.writeAll(messages);
        List<QueuedMessage> withCallback =
                storing.stream().filter(q -> q.callbackUrl() != null).toList();
        if (!withCallback.isEmpty()) {
            try (PreparedStatement update =
                    connection.prepareStatement("UPDATE messages SET callback_url = ? WHERE message_id = ?")) {
                for (QueuedMessage q : withCallback) {
                    update.setString(1, q.callbackUrl());
                    update.setString(2, q.message().messageId());
                    update.addBatch();
                }
                update.executeBatch();
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(JdbcOutboundStore.INSERT_JOB)) {
            for (QueuedMessage q : storing) {
                JdbcOutboundStore.bindJob(
                        insert,
                        q.message().messageId(),
                        q.conversation().conversationId(),
                        q.priority(),
                        q.notBefore(),
                        q.expireAt(),
                        q.plan(),
                        tx.now(),
                        q.lease());
                insert.addBatch();
            }
            insert.executeBatch();
        }
        return List.of(results);
    }

    private static List<Object> sent(GroupTransaction tx, List<BatchedWork> units) throws SQLException {
        Connection connection = tx.connection();
        List<SendOutcome.Sent> all =
                units.stream().map(u -> ((Sent) u).outcome()).toList();
        JdbcOutboundStore.insertAttempts(connection, all);
        Set<String> unusual = sharingACarrierId(all);
        List<SendOutcome.Sent> plain = new ArrayList<>();
        List<SendOutcome.Sent> general = new ArrayList<>();
        for (SendOutcome.Sent sent : all) {
            (unusual.contains(sent.messageId()) ? general : plain).add(sent);
        }
        if (!plain.isEmpty()) {
            // A queued message has reached no step and has no error, so every one of these starts from the
            // same progress; the UPDATE writes what it becomes only while the message is still queued.
            List<SendResults.Accepted> accepted = new ArrayList<>();
            List<StatusReports.Applied> applied = new ArrayList<>();
            for (SendOutcome.Sent sent : plain) {
                SendResults.Accepted one = SendResults.accepted(sent, false, tx.now());
                accepted.add(one);
                applied.add(StatusReports.apply(
                        one.messageId(),
                        one.conversationId(),
                        MessageProgress.initial(Direction.OUTBOUND),
                        one.report()));
            }
            int[] counts;
            // a carrier id already stored for another message fails the batch on the unique key: then
            // every outcome of the group goes the general way, which checks each id first
            Savepoint beforeBatch = connection.setSavepoint();
            try (PreparedStatement update = connection.prepareStatement(MARK_SENT)) {
                for (int i = 0; i < plain.size(); i++) {
                    SendResults.Accepted one = accepted.get(i);
                    MessageProgress after = applied.get(i).after();
                    update.setString(1, one.carrier().wireName());
                    update.setString(2, one.account());
                    update.setString(3, one.carrierMessageId());
                    update.setString(4, after.status().wireName());
                    SqlTime.set(update, 5, after.sentAt());
                    update.setString(6, one.sender());
                    update.setString(7, one.messageId());
                    update.setString(8, applied.get(i).before().status().wireName());
                    update.addBatch();
                }
                counts = update.executeBatch();
            } catch (SQLException uniqueKey) {
                connection.rollback(beforeBatch);
                counts = new int[plain.size()];
            }
            connection.releaseSavepoint(beforeBatch);
            List<SendResults.Accepted> advanced = new ArrayList<>();
            for (int i = 0; i < plain.size(); i++) {
                if (counts[i] > 0) {
                    advanced.add(accepted.get(i));
                    tx.publish(applied.get(i).events());
                } else {
                    // no longer queued (a replay raced it, say): the general path decides
                    general.add(plain.get(i));
                }
            }
            recordSent(tx, advanced);
            applyStatusesThatCameFirst(tx, advanced);
        }
        // after the batch, so that a carrier id the batch stored is seen as taken
        for (SendOutcome.Sent sent : general) {
            tx.carrierAccepted(sent);
        }
        JdbcOutboundStore.endJobs(connection, all);
        List<Object> done = new ArrayList<>();
        all.forEach(s -> done.add(Boolean.TRUE));
        return done;
    }

    /** History rows and conversations' carrier of messages that went queued → sent. */
    private static void recordSent(GroupTransaction tx, List<SendResults.Accepted> advanced) throws SQLException {
        if (advanced.isEmpty()) {
            return;
        }
        Connection connection = tx.connection();
        try (PreparedStatement insert = connection.prepareStatement(GroupTransaction.insertHistorySql())) {
            for (SendResults.Accepted one : advanced) {
                StatusUpdate report = one.report();
                tx.bindHistory(
                        insert,
                        one.messageId(),
                        report.carrier(),
                        one.carrierMessageId(),
                        report.status(),
                        report.carrierStatus(),
                        report.errorCode(),
                        report.errorMessage(),
                        report.occurredAt());
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (PreparedStatement update = connection.prepareStatement(CONVERSATION_CARRIER)) {
            for (SendResults.Accepted one : advanced) {
                update.setString(1, one.conversationCarrier().wireName());
                update.setString(2, one.conversationId());
                update.setString(3, one.conversationCarrier().wireName());
                update.addBatch();
            }
            update.executeBatch();
        }
    }

    /**
     * Outcomes whose carrier id another outcome of this group also names: after the first, these go the
     * one-at-a-time way, which stores the id once. (An id already stored for another message is caught
     * by the savepoint; statuses that came before the outcome, by {@link #applyStatusesThatCameFirst}.)
     */
    private static Set<String> sharingACarrierId(List<SendOutcome.Sent> all) {
        Set<String> sharing = new HashSet<>();
        Set<String> seen = new HashSet<>();
        for (SendOutcome.Sent sent : all) {
            if (!seen.add(sent.carrier().wireName() + "\n" + sent.result().carrierMessageId())) {
                sharing.add(sent.messageId());
            }
        }
        return sharing;
    }

    /**
     * A carrier's callback can beat our storing of its answer; it waits in the history without a message.
     * Attach such rows (one batched statement through the unique key) and apply them to their messages.
     */
    private static void applyStatusesThatCameFirst(GroupTransaction tx, List<SendResults.Accepted> advanced)
            throws SQLException {
        if (advanced.isEmpty()) {
            return;
        }
        int[] attached;
        try (PreparedStatement attach = tx.connection().prepareStatement(GroupTransaction.ATTACH_UNMATCHED)) {
            for (SendResults.Accepted one : advanced) {
                attach.setString(1, one.messageId());
                attach.setString(2, one.carrier().wireName());
                attach.setString(3, one.carrierMessageId());
                attach.addBatch();
            }
            attached = attach.executeBatch();
        }
        for (int i = 0; i < advanced.size(); i++) {
            if (attached[i] > 0) {
                SendResults.Accepted one = advanced.get(i);
                tx.applyHistory(one.messageId(), one.carrier(), one.account());
            }
        }
    }
}
