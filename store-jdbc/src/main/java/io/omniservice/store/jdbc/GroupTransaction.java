package io.omniservice.store.jdbc;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.plan.CommitEvent;
import io.omniservice.core.store.plan.CommitTally;
import io.omniservice.core.store.plan.MessagePlacement;
import io.omniservice.core.store.plan.MessageProgress;
import io.omniservice.core.store.plan.OptOutChanges;
import io.omniservice.core.store.plan.PlacedMessage;
import io.omniservice.core.store.plan.SendResults;
import io.omniservice.core.store.plan.StatusCallbacks;
import io.omniservice.core.store.plan.StatusReports;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes a group of batches inside one open transaction (the caller commits or rolls back), with
 * statements batched across the whole group. Duplicates are decided by the database's unique keys,
 * so a message repeated inside the group, or already stored, is stored once. What to write is core's
 * ({@link io.omniservice.core.store.plan}): this class reads the facts it needs and writes its answers.
 */
final class GroupTransaction {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GroupTransaction.class);

    // the store contract tests name these event types
    static final String MESSAGE_RECEIVED = io.omniservice.core.feed.ChangeEvent.MESSAGE_RECEIVED;
    static final String CONVERSATION_CREATED = io.omniservice.core.feed.ChangeEvent.CONVERSATION_CREATED;
    static final String CONVERSATION_MERGED = io.omniservice.core.feed.ChangeEvent.CONVERSATION_MERGED;

    /**
     * A history row whose message is not stored yet. Written so that no index serves it: H2 otherwise
     * picks the message_id index for "IS NULL" and scans every unmatched row, where the unique key on
     * (carrier, carrier_message_id, ...) finds the few rows of one carrier message directly.
     */
    static final String UNMATCHED = "COALESCE(message_id, '') = ''";

    /** Gives a carrier message's unmatched history rows to the stored message: message id, carrier, carrier id. */
    static final String ATTACH_UNMATCHED =
            "UPDATE status_history SET message_id = ? WHERE carrier = ? AND carrier_message_id = ? AND " + UNMATCHED;

    private final Connection connection;
    private final Instant now;

    /** The change events of the whole group, written last ({@link CommitEvent#inWriteOrder}). */
    private final List<CommitEvent> events = new ArrayList<>();

    private String publishLock;

    private GroupTransaction(Connection connection, Instant now) {
        this.connection = connection;
        this.now = SqlTime.stored(now);
    }

    /**
     * Writes a group: its inbound batches together, then each kind of {@link BatchedWork} together, then
     * each {@link TransactionWork} in order, then the change events of all. One result per unit, in order.
     */
    @SuppressWarnings("unchecked")
    static List<Object> write(
            Connection connection,
            List<Object> units,
            Instant now,
            Handoff handoff,
            DeliveryHandoff deliveryHandoff,
            HandedOver handedOff,
            String publishLock)
            throws SQLException {
        GroupTransaction tx = new GroupTransaction(connection, now);
        tx.publishLock = publishLock;
        tx.handoff = handoff;
        tx.deliveryHandoff = deliveryHandoff;
        tx.handedOver = handedOff;
        List<InboundBatch> batches = new ArrayList<>();
        Map<BatchedWork.Writer, List<Integer>> batched = new java.util.LinkedHashMap<>();
        for (int i = 0; i < units.size(); i++) {
            Object unit = units.get(i);
            if (unit instanceof InboundBatch batch) {
                batches.add(batch);
            } else if (unit instanceof BatchedWork work) {
                batched.computeIfAbsent(work.writer(), w -> new ArrayList<>()).add(i);
            }
        }
        Object[] results = new Object[units.size()];
        List<CommitResult> inbound = tx.writeAll(batches);
        int nextInbound = 0;
        for (int i = 0; i < units.size(); i++) {
            if (units.get(i) instanceof InboundBatch) {
                results[i] = inbound.get(nextInbound++);
            }
        }
        for (Map.Entry<BatchedWork.Writer, List<Integer>> kind : batched.entrySet()) {
            List<BatchedWork> ofKind = kind.getValue().stream()
                    .map(i -> (BatchedWork) units.get(i))
                    .toList();
            List<Object> written = kind.getKey().write(tx, ofKind);
            for (int k = 0; k < ofKind.size(); k++) {
                results[kind.getValue().get(k)] = written.get(k);
            }
        }
        for (int i = 0; i < units.size(); i++) {
            if (units.get(i) instanceof TransactionWork<?> work) {
                results[i] = ((TransactionWork<Object>) work).write(tx);
            }
        }
        tx.insertEvents();
        handedOff.events().addAll(tx.written);
        return java.util.Arrays.asList(results);
    }

    /** What a transaction that publishes events runs first ({@link GroupCommitter.Durability#publishLock}). */
    String publishLock() {
        return publishLock;
    }

    Connection connection() {
        return connection;
    }

    Instant now() {
        return now;
    }

    /** Writes batches' messages and statuses (their change events go out with the group's). */
    List<CommitResult> writeAll(List<InboundBatch> batches) throws SQLException {
        List<CommitTally> tallies = new ArrayList<>();
        List<InboundBatch.NewMessage> items = new ArrayList<>();
        List<Integer> batchOf = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            tallies.add(new CommitTally());
            for (InboundBatch.NewMessage item : batches.get(b).messages()) {
                items.add(item);
                batchOf.add(b);
            }
        }
        if (!items.isEmpty()) {
            Map<String, String> leadsTo = recordLinks(items);
            List<PlacedMessage> rows = new ArrayList<>(items.size());
            for (InboundBatch.NewMessage item : items) {
                rows.add(MessagePlacement.place(item, leadsTo, now, SqlTime::stored));
            }
            List<PlacedMessage> fresh = insertMessages(rows, batchOf, tallies);
            if (!fresh.isEmpty()) {
                events.addAll(ConversationWrites.countIn(connection, fresh));
                attachEarlierStatuses(fresh);
                recordOptOuts(fresh);
            }
        }
        for (int b = 0; b < batches.size(); b++) {
            for (StatusUpdate status : batches.get(b).statuses()) {
                applyStatus(status, tallies.get(b));
            }
        }
        return tallies.stream().map(CommitTally::result).toList();
    }

    /**
     * Records the links the group's messages reveal ({@link MessagePlacement#links}), joining a conversation
     * held under an alias so far into the one it now leads to; returns where each key leads.
     */
    private Map<String, String> recordLinks(List<InboundBatch.NewMessage> items) throws SQLException {
        MessagePlacement.Links links = MessagePlacement.links(
                items, ParticipantLinks.resolve(connection, MessagePlacement.keysToResolve(items)));
        for (MessagePlacement.Link link : links.toRecord()) {
            ParticipantLinks.link(connection, link.alias(), link.participant(), now)
                    .ifPresent(joined -> events.add(joined.event()));
        }
        return links.leadsTo();
    }

    /** Inserts the messages not stored yet (the unique keys decide); returns those, in order. */
    private List<PlacedMessage> insertMessages(
            List<PlacedMessage> rows, List<Integer> batchOf, List<CommitTally> tallies) throws SQLException {
        int[] counts;
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO messages (message_id, conversation_id, direction, carrier, account, carrier_message_id,
                    sender, sender_name, recipient, content, status, created_at, metadata, client_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            for (PlacedMessage row : rows) {
                NormalizedMessage m = row.message();
                insert.setString(1, m.messageId());
                insert.setString(2, m.conversationId());
                insert.setString(3, m.direction().wireName());
                insert.setString(4, row.carrier().wireName());
                insert.setString(5, m.metadata().account());
                insert.setString(6, m.metadata().carrierMessageId());
                insert.setString(7, m.sender().address());
                insert.setString(8, m.sender().displayName());
                insert.setString(9, m.recipient());
                insert.setString(10, JsonText.write(m.content(), MessageContent.class));
                insert.setString(11, row.initialStatus().wireName());
                SqlTime.set(insert, 12, row.createdAt());
                insert.setString(13, JsonText.write(m.metadata()));
                insert.setString(14, m.metadata().client());
                insert.addBatch();
            }
            counts = insert.executeBatch();
        }
        List<PlacedMessage> fresh = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            PlacedMessage row = rows.get(i);
            CommitTally tally = tallies.get(batchOf.get(i));
            if (counts[i] > 0) {
                fresh.add(row);
                tally.stored(row.messageId());
                row.received().ifPresent(received -> {
                    events.add(received);
                    if (handoff != null) {
                        asWritten.put(row.messageId(), row.asStored());
                    }
                });
            } else {
                tally.duplicateMessage();
            }
        }
        return fresh;
    }

    /**
     * Statuses that arrived before their message (kept with no message id) now belong to it: attach them
     * and apply them in the order they happened.
     */
    private void attachEarlierStatuses(List<PlacedMessage> fresh) throws SQLException {
        List<PlacedMessage> withCarrierId =
                fresh.stream().filter(r -> r.carrierMessageId() != null).toList();
        if (withCarrierId.isEmpty()) {
            return;
        }
        int[] counts;
        try (PreparedStatement attach = connection.prepareStatement(ATTACH_UNMATCHED)) {
            for (PlacedMessage row : withCarrierId) {
                attach.setString(1, row.message().messageId());
                attach.setString(2, row.carrier().wireName());
                attach.setString(3, row.message().metadata().carrierMessageId());
                attach.addBatch();
            }
            counts = attach.executeBatch();
        }
        for (int i = 0; i < withCarrierId.size(); i++) {
            if (counts[i] != 0) {
                PlacedMessage row = withCarrierId.get(i);
                StatusReports.Applied applied = StatusReports.arrivedEarlier(
                        row.message().messageId(),
                        row.message().conversationId(),
                        row.message().direction(),
                        recordedHistory(
                                row.messageId(),
                                row.carrier(),
                                row.message().metadata().account()));
                if (applied.changed()) {
                    updateMessage(row.message().messageId(), applied.after());
                }
                events.addAll(applied.events());
            }
        }
    }

    /**
     * A message's history as the reports it was, in the order recorded (core orders it); {@code carrier} and
     * {@code account} are the message's.
     */
    private List<StatusUpdate> recordedHistory(String messageId, CarrierType carrier, String account)
            throws SQLException {
        List<StatusUpdate> history = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT carrier_message_id, status, carrier_status, error_code, error_message, occurred_at
                FROM status_history WHERE message_id = ? ORDER BY id""")) {
            select.setString(1, messageId);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String carrierMessageId = rs.getString("carrier_message_id");
                    history.add(new StatusUpdate(
                            carrier,
                            account,
                            carrierMessageId == null ? "" : carrierMessageId,
                            MessageStatus.fromWireName(rs.getString("status")),
                            rs.getString("carrier_status"),
                            rs.getString("error_code"),
                            rs.getString("error_message"),
                            SqlTime.get(rs, "occurred_at"),
                            null,
                            null));
                }
            }
        }
        return history;
    }

    private void applyStatus(StatusUpdate reported, CommitTally tally) throws SQLException {
        StatusUpdate status = stored(reported);
        MessageRow found = lockMessage(
                "carrier = ? AND carrier_message_id = ?", status.carrier().wireName(), status.carrierMessageId());
        int inserted;
        try (PreparedStatement insert = connection.prepareStatement(insertHistorySql())) {
            bindHistory(
                    insert,
                    found == null ? null : found.messageId(),
                    status.carrier(),
                    status.carrierMessageId(),
                    status.status(),
                    status.carrierStatus(),
                    status.errorCode(),
                    status.errorMessage(),
                    status.occurredAt());
            inserted = insert.executeUpdate();
        }
        if (tally.status(inserted > 0, found != null) == CommitTally.StatusOutcome.APPLIED) {
            progress(found, status);
        }
    }

    /** Events a write outside this class decided on (a send's own status change). */
    void publish(List<? extends CommitEvent> decided) {
        events.addAll(decided);
    }

    /** The report with its time as the database keeps it, so that events carry what is stored. */
    private static StatusUpdate stored(StatusUpdate report) {
        return new StatusUpdate(
                report.carrier(),
                report.account(),
                report.carrierMessageId(),
                report.status(),
                report.carrierStatus(),
                report.errorCode(),
                report.errorMessage(),
                SqlTime.stored(report.occurredAt()),
                report.recipient(),
                report.originalPayload());
    }

    private void updateMessage(String messageId, MessageProgress progress) throws SQLException {
        // no longer as inserted: the workflow reads it back
        asWritten.remove(messageId);
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE messages SET status = ?, sent_at = ?, delivered_at = ?, read_at = ?, error_code = ?, error_message = ?
                WHERE message_id = ?""")) {
            update.setString(1, progress.status().wireName());
            SqlTime.set(update, 2, progress.sentAt());
            SqlTime.set(update, 3, progress.deliveredAt());
            SqlTime.set(update, 4, progress.readAt());
            update.setString(5, progress.errorCode());
            update.setString(6, progress.errorMessage());
            update.setString(7, messageId);
            update.executeUpdate();
        }
    }

    static String insertHistorySql() {
        return """
                INSERT INTO status_history (message_id, carrier, carrier_message_id, status, carrier_status,
                    error_code, error_message, occurred_at, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""";
    }

    void bindHistory(
            PreparedStatement insert,
            String messageId,
            CarrierType carrier,
            String carrierMessageId,
            MessageStatus status,
            String carrierStatus,
            String errorCode,
            String errorMessage,
            Instant occurredAt)
            throws SQLException {
        insert.setString(1, messageId);
        insert.setString(2, carrier.wireName());
        insert.setString(3, carrierMessageId);
        insert.setString(4, status.wireName());
        insert.setString(5, carrierStatus);
        insert.setString(6, errorCode);
        insert.setString(7, errorMessage);
        SqlTime.set(insert, 8, occurredAt);
        SqlTime.set(insert, 9, now);
    }

    /**
     * Where this node's change events go right after their commit: written leased to {@code owner} and
     * given to the processing worker, which then needs no poll to find them.
     */
    record Handoff(String owner, java.time.Duration lease, io.omniservice.core.feed.FeedStore.Committed listener) {}

    /** Where this node's new subscription deliveries go after commit: written leased for {@code lease}. */
    record DeliveryHandoff(
            String owner,
            java.time.Duration lease,
            java.util.function.Consumer<List<io.omniservice.core.outbound.CallbackDelivery>> listener) {}

    /** What a group's transaction wrote leased to this node, to hand over once it is committed. */
    record HandedOver(
            List<io.omniservice.core.feed.ChangeEvent> events,
            java.util.Set<String> waiting,
            List<io.omniservice.core.outbound.CallbackDelivery> deliveries) {
        HandedOver() {
            this(new ArrayList<>(), new java.util.LinkedHashSet<>(), new ArrayList<>());
        }
    }

    private DeliveryHandoff deliveryHandoff;
    private HandedOver handedOver;

    DeliveryHandoff deliveryHandoff() {
        return deliveryHandoff;
    }

    /** Deliveries written leased to this node, handed to its dispatcher after the commit. */
    void handOver(io.omniservice.core.outbound.CallbackDelivery delivery) {
        handedOver.deliveries().add(delivery);
    }

    /**
     * Messages this transaction inserted and did not change since, as the store would read them back: handed over
     * with their {@code message.received} event. Filled only with a hand-off configured.
     */
    private final Map<String, io.omniservice.core.model.Message> asWritten = new java.util.HashMap<>();

    /** Change events written by this transaction, for the hand-off; filled only with one configured. */
    private final List<io.omniservice.core.feed.ChangeEvent> written = new ArrayList<>();

    private Handoff handoff;

    List<io.omniservice.core.feed.ChangeEvent> written() {
        return written;
    }

    void insertEvents() throws SQLException {
        List<CommitEvent> all = CommitEvent.inWriteOrder(events);
        events.clear();
        if (all.isEmpty()) {
            return;
        }
        // A conversation's new events are handed over only when none of its events is still pending:
        // otherwise they would run before the older ones, which a poll or a retry holds. Those wait in
        // the store unleased, and the worker is told their conversation has more.
        java.util.Map<String, Boolean> handOver = new java.util.HashMap<>();
        if (handoff != null) {
            List<String> conversations = all.stream()
                    .map(CommitEvent::conversationId)
                    .filter(java.util.Objects::nonNull)
                    .distinct()
                    .toList();
            java.util.Set<String> pending = withPendingEvents(conversations);
            for (String conversation : conversations) {
                handOver.put(conversation, !pending.contains(conversation));
            }
        }
        List<UUID> ids = new ArrayList<>(all.size());
        List<com.fasterxml.jackson.databind.JsonNode> payloads = new ArrayList<>(all.size());
        List<Boolean> leased = new ArrayList<>(all.size());
        try (SqlDialect.KeyedInsert keyed = SqlDialect.of(connection).keyedInsert(connection, """
                INSERT INTO change_events (event_id, type, message_id, conversation_id, payload, created_at,
                    lease_owner, lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", "seq")) {
            PreparedStatement insert = keyed.statement();
            for (CommitEvent event : all) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                com.fasterxml.jackson.databind.JsonNode payload =
                        io.omniservice.core.json.Json.MAPPER.valueToTree(event);
                payloads.add(payload);
                boolean lease =
                        handoff != null && (event.conversationId() == null || handOver.get(event.conversationId()));
                leased.add(lease);
                insert.setObject(1, id);
                insert.setString(2, event.type());
                insert.setString(3, event.messageId());
                insert.setString(4, event.conversationId());
                insert.setString(5, JsonText.write(payload));
                SqlTime.set(insert, 6, now);
                insert.setString(7, lease ? handoff.owner() : null);
                SqlTime.set(insert, 8, lease ? SqlTime.stored(now.plus(handoff.lease())) : null);
                keyed.add();
            }
            List<Long> keys = keyed.run();
            if (handoff != null) {
                for (int i = 0; i < keys.size() && i < all.size(); i++) {
                    CommitEvent event = all.get(i);
                    if (!leased.get(i)) {
                        handedOver.waiting().add(event.conversationId());
                        continue;
                    }
                    written.add(new io.omniservice.core.feed.ChangeEvent(
                            keys.get(i),
                            ids.get(i),
                            event.type(),
                            event.messageId(),
                            event.conversationId(),
                            payloads.get(i),
                            now,
                            0,
                            0,
                            null,
                            event instanceof CommitEvent.MessageReceived ? asWritten.get(event.messageId()) : null));
                }
            }
        }
        enqueueCallbacks(all, ids);
    }

    /** Statement sizes of {@link #withPendingEvents}: few texts, so each stays parsed in the statement cache. */
    private static final int[] PENDING_QUERY_SIZES = {1, 8, 64};

    /**
     * Which of {@code conversations} have events in the store: a query for up to 64 at a time rather than one each
     * (on PostgreSQL one each was a round trip per conversation in the writer, a group's worth serially).
     */
    private java.util.Set<String> withPendingEvents(List<String> conversations) throws SQLException {
        java.util.Set<String> pending = new java.util.HashSet<>();
        for (int from = 0; from < conversations.size(); ) {
            int left = conversations.size() - from;
            int size = PENDING_QUERY_SIZES[PENDING_QUERY_SIZES.length - 1];
            for (int candidate : PENDING_QUERY_SIZES) {
                if (candidate >= left) {
                    size = candidate;
                    break;
                }
            }
            List<String> chunk = conversations.subList(from, from + Math.min(size, left));
            String marks = String.join(", ", java.util.Collections.nCopies(size, "?"));
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT DISTINCT conversation_id FROM change_events WHERE conversation_id IN (" + marks + ")")) {
                for (int i = 0; i < size; i++) {
                    // the rest of the statement's places repeat the last conversation
                    select.setString(i + 1, chunk.get(Math.min(i, chunk.size() - 1)));
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        pending.add(rs.getString(1));
                    }
                }
            }
            from += chunk.size();
        }
        return pending;
    }

    /** Queues the callbacks the events make due ({@link StatusCallbacks}), for messages that name a URL. */
    private void enqueueCallbacks(List<CommitEvent> all, List<UUID> ids) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO callback_deliveries (message_id, order_key, url, payload, next_attempt_at, created_at,
                    client_id)
                SELECT message_id, message_id, callback_url, ?, ?, ?, client_id FROM messages
                WHERE message_id = ? AND callback_url IS NOT NULL""")) {
            int queued = 0;
            for (int i = 0; i < all.size(); i++) {
                CommitEvent event = all.get(i);
                if (!StatusCallbacks.due(event)) {
                    continue;
                }
                insert.setString(1, JsonText.write(StatusCallbacks.body(ids.get(i), event, now)));
                SqlTime.set(insert, 2, now);
                SqlTime.set(insert, 3, now);
                insert.setString(4, event.messageId());
                insert.addBatch();
                queued++;
            }
            if (queued > 0) {
                insert.executeBatch();
            }
        }
    }

    /** Records the opt-outs and opt-ins the new messages make ({@link OptOutChanges}). */
    private void recordOptOuts(List<PlacedMessage> fresh) throws SQLException {
        List<OptOutChanges.Change> changes = OptOutChanges.of(fresh);
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement delete =
                connection.prepareStatement("DELETE FROM opt_outs WHERE participant = ? AND channel = ?")) {
            for (OptOutChanges.Change change : changes) {
                delete.setString(1, change.participant());
                delete.setString(2, change.channel());
                delete.addBatch();
            }
            delete.executeBatch();
        }
        List<OptOutChanges.Change> optedOut =
                changes.stream().filter(OptOutChanges.Change::optedOut).toList();
        if (optedOut.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO opt_outs (participant, channel, keyword, opted_out_at) VALUES (?, ?, ?, ?)")) {
            for (OptOutChanges.Change change : optedOut) {
                insert.setString(1, change.participant());
                insert.setString(2, change.channel());
                insert.setString(3, change.keyword());
                SqlTime.set(insert, 4, change.at());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    /**
     * A carrier took an outbound message ({@link SendResults#accepted}): its id for the message is stored
     * (so its callbacks find it), the message becomes sent, and callbacks that raced ahead of this answer
     * are applied after it.
     */
    void carrierAccepted(SendOutcome.Sent sent) throws SQLException {
        boolean taken = namesAnotherMessage(sent.carrier(), sent.result().carrierMessageId(), sent.messageId());
        SendResults.Accepted accepted = SendResults.accepted(sent, taken, now);
        if (taken) {
            // the unique key would refuse the write and the send would be retried forever
            LOG.warn(
                    "{} answered message {} with id {}, which already names another message; its status callbacks"
                            + " will not be matched",
                    sent.carrier().wireName(),
                    sent.messageId(),
                    sent.result().carrierMessageId());
        }
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE messages SET carrier = ?, account = ?, carrier_message_id = ?, sender = COALESCE(?, sender)
                WHERE message_id = ?""")) {
            update.setString(1, accepted.carrier().wireName());
            update.setString(2, accepted.account());
            update.setString(3, accepted.carrierMessageId());
            update.setString(4, accepted.sender());
            update.setString(5, accepted.messageId());
            update.executeUpdate();
        }
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE conversations SET carrier = ?
                WHERE id = (SELECT conversation_id FROM messages WHERE message_id = ?) AND carrier <> ?""")) {
            update.setString(1, accepted.conversationCarrier().wireName());
            update.setString(2, accepted.messageId());
            update.setString(3, accepted.conversationCarrier().wireName());
            update.executeUpdate();
        }
        applyOwnStatus(accepted.messageId(), accepted.report());
        if (accepted.carrierMessageId() == null) {
            return;
        }
        int attached;
        try (PreparedStatement attach = connection.prepareStatement(ATTACH_UNMATCHED)) {
            attach.setString(1, accepted.messageId());
            attach.setString(2, accepted.carrier().wireName());
            attach.setString(3, accepted.carrierMessageId());
            attached = attach.executeUpdate();
        }
        if (attached > 0) {
            applyHistory(accepted.messageId(), accepted.carrier(), accepted.account());
        }
    }

    /**
     * A status the gateway decides itself ({@link StatusReports#own}): recorded in the history like a
     * carrier's report and applied to the message.
     */
    void applyOwnStatus(String messageId, StatusUpdate report) throws SQLException {
        MessageRow found = lockMessage("message_id = ?", messageId, null);
        if (found == null) {
            throw new IllegalStateException("no message " + messageId);
        }
        try (PreparedStatement insert = connection.prepareStatement(insertHistorySql())) {
            bindHistory(
                    insert,
                    messageId,
                    report.carrier(),
                    report.carrierMessageId().isEmpty() ? null : report.carrierMessageId(),
                    report.status(),
                    report.carrierStatus(),
                    report.errorCode(),
                    report.errorMessage(),
                    report.occurredAt());
            insert.executeUpdate();
        }
        progress(found, report);
    }

    private boolean namesAnotherMessage(CarrierType carrier, String carrierMessageId, String messageId)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT 1 FROM messages WHERE carrier = ? AND carrier_message_id = ? AND message_id <> ?")) {
            select.setString(1, carrier.wireName());
            select.setString(2, carrierMessageId);
            select.setString(3, messageId);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** A message's row as a status is applied to it. */
    private record MessageRow(String messageId, String conversationId, MessageProgress progress) {}

    private MessageRow lockMessage(String where, String first, String second) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                """
                SELECT message_id, conversation_id, status, sent_at, delivered_at, read_at, error_code, error_message
                FROM messages WHERE""" + " " + where + SqlDialect.of(connection).forUpdate())) {
            select.setString(1, first);
            if (second != null) {
                select.setString(2, second);
            }
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new MessageRow(
                        rs.getString("message_id"),
                        rs.getString("conversation_id"),
                        new MessageProgress(
                                MessageStatus.fromWireName(rs.getString("status")),
                                SqlTime.get(rs, "sent_at"),
                                SqlTime.get(rs, "delivered_at"),
                                SqlTime.get(rs, "read_at"),
                                rs.getString("error_code"),
                                rs.getString("error_message")));
            }
        }
    }

    /** Applies a message's whole history to it again ({@link StatusReports#replay}): for statuses just attached. */
    void applyHistory(String messageId, CarrierType carrier, String account) throws SQLException {
        List<StatusUpdate> history = recordedHistory(messageId, carrier, account);
        MessageRow found = lockMessage("message_id = ?", messageId, null);
        StatusReports.Applied applied =
                StatusReports.replay(found.messageId(), found.conversationId(), found.progress(), history);
        if (applied.changed()) {
            updateMessage(messageId, applied.after());
        }
        events.addAll(applied.events());
    }

    private void progress(MessageRow found, StatusUpdate status) throws SQLException {
        StatusReports.Applied applied =
                StatusReports.apply(found.messageId(), found.conversationId(), found.progress(), status);
        if (applied.changed()) {
            updateMessage(found.messageId(), applied.after());
        }
        events.addAll(applied.events());
    }
}
