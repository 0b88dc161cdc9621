package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;
import static io.omniservice.aws.dynamo.Items.string;

import io.omniservice.aws.dynamo.Tables.ChangeEvents;
import io.omniservice.aws.dynamo.Tables.Conversations;
import io.omniservice.aws.dynamo.Tables.Keys;
import io.omniservice.aws.dynamo.Tables.Messages;
import io.omniservice.aws.dynamo.Tables.Participants;
import io.omniservice.aws.dynamo.Tables.StatusHistory;
import io.omniservice.aws.dynamo.Writes.Condition;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.plan.CommitEvent;
import io.omniservice.core.store.plan.CommitTally;
import io.omniservice.core.store.plan.ConversationActivity;
import io.omniservice.core.store.plan.ConversationJoin;
import io.omniservice.core.store.plan.MessagePlacement;
import io.omniservice.core.store.plan.MessageProgress;
import io.omniservice.core.store.plan.OptOutChanges;
import io.omniservice.core.store.plan.PlacedMessage;
import io.omniservice.core.store.plan.SendResults;
import io.omniservice.core.store.plan.StatusCallbacks;
import io.omniservice.core.store.plan.StatusReports;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * Plans one batch's commit as one DynamoDB transaction: reads the facts core's rules need (links, seen items,
 * stored messages and conversations, early statuses, opt-outs, event heads), asks {@code core.store.plan}
 * what to write, and turns its answer into conditional actions, each conditional on what was read. If any
 * fact changed before the transaction runs, it is cancelled and the batch planned again.
 */
final class CommitPlanner {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommitPlanner.class);

    private final Tables tables;
    private final Reads reads;
    private final Outbox outbox;
    private final Deliveries deliveries;

    /** Each table's key attributes, by its full name. */
    private final Map<String, List<String>> keyAttributes = new HashMap<>();

    CommitPlanner(Tables tables, Reads reads, Outbox outbox, Deliveries deliveries) {
        this.tables = tables;
        this.reads = reads;
        this.outbox = outbox;
        this.deliveries = deliveries;
        for (Tables.Design design : Tables.ALL) {
            keyAttributes.put(
                    tables.name(design),
                    design.sort() == null
                            ? List.of(design.partition().attribute())
                            : List.of(
                                    design.partition().attribute(),
                                    design.sort().attribute()));
        }
    }

    /**
     * A planned commit: its actions, what the caller is told once they are written, and what to run then (the
     * hand-off of its change events to this node's worker).
     */
    record Plan(Writes writes, CommitResult result, Runnable committed) {}

    Plan plan(InboundBatch batch, Instant at) {
        return new Planning(SortableTime.stored(at)).plan(batch);
    }

    // ---- what a send does to its message (the outbound store adds its own items to these plans) -----------

    /** An accepted send's message: stored as queued in its conversation like any new message, with its callback URL. */
    Plan planQueued(QueuedMessage queued, Instant at) {
        Planning planning = new Planning(SortableTime.stored(at));
        if (queued.callbackUrl() != null) {
            planning.callbackUrls.put(queued.message().messageId(), queued.callbackUrl());
        }
        return planning.plan(new InboundBatch(
                List.of(new InboundBatch.NewMessage(queued.message(), queued.conversation())), List.of()));
    }

    /** A carrier took the message ({@link SendResults#accepted}). */
    Plan planSent(SendOutcome.Sent sent, Instant at) {
        return new Planning(SortableTime.stored(at)).sent(sent);
    }

    /** No carrier took the message ({@link SendResults#failed}). */
    Plan planFailed(SendOutcome.Failed failed, Instant at) {
        return new Planning(SortableTime.stored(at)).failed(failed);
    }

    /** A receipt deadline passed without a receipt ({@link SendResults#timedOut}). */
    Plan planTimedOut(SendOutcome.WatchEnded ended, Instant at) {
        return new Planning(SortableTime.stored(at)).timedOut(ended);
    }

    /** A replayed dead send's message is queued again, its error cleared. */
    Plan planRequeued(String messageId, Instant at) {
        return new Planning(SortableTime.stored(at)).requeued(messageId);
    }

    /** One planning pass: the facts read so far and what is to be written. */
    private final class Planning {
        private final Instant now;
        private final Writes writes = new Writes();
        private final List<CommitEvent> events = new ArrayList<>();
        private final Map<String, ConversationState> conversations = new HashMap<>();
        private final Map<String, MessageState> messages = new LinkedHashMap<>();
        private final Map<String, Map<String, OptOutState>> optOuts = new HashMap<>();
        private final Map<String, Integer> earlyReports = new LinkedHashMap<>();
        private final Set<String> historyWritten = new HashSet<>();
        private final Map<String, Map<Map<String, AttributeValue>, Map<String, AttributeValue>>> cache =
                new HashMap<>();
        private int recorded;
        /** The callback URL of a new message that names one (an accepted send's). */
        private final Map<String, String> callbackUrls = new HashMap<>();

        Planning(Instant now) {
            this.now = now;
        }

        // ---- a send's outcome on its message ----------------------------------------------------------

        /**
         * A carrier took the message: it is stored under the carrier's id for it (the seen item then names it, so
         * the carrier's callbacks find it) unless another message holds that id, becomes sent by our own report,
         * its conversation's carrier becomes this one, and reports that came before this answer apply after it.
         */
        Plan sent(SendOutcome.Sent sent) {
            MessageState m = messageById(sent.messageId());
            String seenKey = seenKey(sent.carrier(), sent.result().carrierMessageId());
            Map<String, AttributeValue> seen = get(tables.name(Tables.KEYS), key(seenKey));
            boolean taken = seen != null
                    && seen.containsKey(Keys.MESSAGE_ID)
                    && !sent.messageId().equals(string(seen, Keys.MESSAGE_ID));
            SendResults.Accepted accepted = SendResults.accepted(sent, taken, now);
            if (taken) {
                LOG.warn(
                        "{} answered message {} with an id that already names another message; its status callbacks"
                                + " will not be matched",
                        sent.carrier().wireName(),
                        sent.messageId());
            }
            m.takenBy(accepted.carrier(), accepted.account(), accepted.carrierMessageId(), accepted.sender());
            ConversationState conversation = conversation(m.conversationId());
            if (conversation.exists()) {
                conversation.setCarrier(accepted.conversationCarrier());
            }
            ownStatus(m, accepted.report());
            if (accepted.carrierMessageId() != null) {
                long early = seen == null ? 0 : Items.number(seen, Keys.EARLY_REPORTS, 0);
                writes.update(
                        tables.name(Tables.KEYS),
                        key(seenKey),
                        "SET #messageId = :messageId",
                        Map.of("#messageId", Keys.MESSAGE_ID),
                        Map.of(":messageId", s(sent.messageId())),
                        unseenWith(early));
                if (early > 0) {
                    // callbacks that raced ahead of the carrier's answer: the message's whole history applies again
                    List<StatusUpdate> history = new ArrayList<>(
                            history(StatusHistory.ownSubject(m.messageId()), accepted.carrier(), accepted.account()));
                    history.addAll(history(
                            StatusHistory.carrierSubject(accepted.carrier().wireName(), accepted.carrierMessageId()),
                            accepted.carrier(),
                            accepted.account()));
                    history.add(accepted.report());
                    StatusReports.Applied applied =
                            StatusReports.replay(m.messageId(), m.conversationId(), m.progress, history);
                    m.progress = applied.after();
                    events.addAll(applied.events());
                }
            }
            writeMessages();
            writeConversations();
            Runnable committed = writeEvents();
            return new Plan(writes, new CommitTally().result(), committed);
        }

        /** No carrier took the message: it fails with the send's error, in our word. */
        Plan failed(SendOutcome.Failed failed) {
            ownStatus(messageById(failed.messageId()), SendResults.failed(failed, now));
            writeMessages();
            Runnable committed = writeEvents();
            return new Plan(writes, new CommitTally().result(), committed);
        }

        /** The deadline found no receipt: recorded on the message, and {@code message.delivery_timeout} goes out. */
        Plan timedOut(SendOutcome.WatchEnded ended) {
            SendResults.TimedOut timedOut = SendResults.timedOut(ended, now);
            ownStatus(messageById(ended.messageId()), timedOut.report());
            events.add(timedOut.event());
            writeMessages();
            Runnable committed = writeEvents();
            return new Plan(writes, new CommitTally().result(), committed);
        }

        /** A replayed send's message is queued again with no error: the one way back from failed. */
        Plan requeued(String messageId) {
            messageById(messageId).requeue();
            writeMessages();
            return new Plan(writes, new CommitTally().result(), () -> {});
        }

        /** A status the gateway decides itself, recorded under the message like a carrier's report and applied. */
        private void ownStatus(MessageState m, StatusUpdate report) {
            putHistory(StatusHistory.ownSubject(m.messageId()), historyEntry(report), report);
            StatusReports.Applied applied = StatusReports.apply(m.messageId(), m.conversationId(), m.progress, report);
            m.progress = applied.after();
            events.addAll(applied.events());
        }

        /** A stored message by its id, through its location item. */
        private MessageState messageById(String messageId) {
            Map<String, AttributeValue> where = get(tables.name(Tables.KEYS), key(Keys.message(messageId)));
            Map<String, AttributeValue> stored = where == null
                    ? null
                    : get(
                            tables.name(Tables.MESSAGES),
                            Map.of(
                                    Messages.CONVERSATION_ID, where.get(Keys.CONVERSATION_ID),
                                    Messages.MESSAGE_KEY, where.get(Keys.MESSAGE_KEY)));
            if (stored == null) {
                throw new IllegalStateException("no message " + messageId);
            }
            return message(stored);
        }

        Plan plan(InboundBatch batch) {
            CommitTally tally = new CommitTally();
            List<InboundBatch.NewMessage> items = batch.messages();
            List<PlacedMessage> fresh = List.of();
            if (!items.isEmpty()) {
                // one round trip for what the messages' keys name, one for their conversations and event heads
                prefetchKeys(items);
                MessagePlacement.Links links = links(items);
                List<PlacedMessage> placed = new ArrayList<>(items.size());
                for (InboundBatch.NewMessage item : items) {
                    placed.add(MessagePlacement.place(item, links.leadsTo(), now, SortableTime::stored));
                }
                prefetchConversations(placed, links);
                recordLinks(links);
                fresh = insertMessages(placed, tally);
                if (!fresh.isEmpty()) {
                    countIn(fresh);
                    attachEarlierStatuses(fresh);
                    recordOptOuts(fresh);
                }
            }
            for (StatusUpdate status : batch.statuses()) {
                applyStatus(stored(status), tally);
            }
            writeMessages();
            writeConversations();
            writeOptOuts();
            writeEarlyReports();
            Runnable committed = writeEvents();
            return new Plan(writes, tally.result(), committed);
        }

        // ---- links and joins ------------------------------------------------------------------------

        /** The links the messages reveal ({@link MessagePlacement#links}), given those stored for their keys. */
        private MessagePlacement.Links links(List<InboundBatch.NewMessage> items) {
            Map<String, String> known = new HashMap<>();
            for (String participant : MessagePlacement.keysToResolve(items)) {
                Map<String, AttributeValue> link = get(tables.name(Tables.PARTICIPANTS), linkKey(participant));
                if (link != null) {
                    known.put(participant, string(link, Participants.LINKED_TO));
                }
            }
            return MessagePlacement.links(items, known);
        }

        /** Records the links, joining a conversation held under an alias so far into the one it leads to. */
        private void recordLinks(MessagePlacement.Links planned) {
            for (MessagePlacement.Link link : planned.toRecord()) {
                Map<String, AttributeValue> item =
                        new HashMap<>(linkKey(link.alias().participant()));
                item.put(Participants.LINKED_TO, s(link.participant().participant()));
                item.put(Participants.LINKED_AT, Items.time(now));
                writes.put(
                        tables.name(Tables.PARTICIPANTS), linkKey(link.alias().participant()), item, Condition.none());
                join(link.alias(), link.participant());
            }
        }

        private void prefetchKeys(List<InboundBatch.NewMessage> items) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (InboundBatch.NewMessage item : items) {
                var metadata = item.message().metadata();
                if (metadata.carrierMessageId() != null && metadata.carrier() != null) {
                    keys.add(key(seenKey(metadata.carrier(), metadata.carrierMessageId())));
                }
                keys.add(key(Keys.message(item.message().messageId())));
            }
            prefetch(Map.of(
                    tables.name(Tables.PARTICIPANTS),
                    MessagePlacement.keysToResolve(items).stream()
                            .map(this::linkKey)
                            .toList(),
                    tables.name(Tables.KEYS),
                    keys));
        }

        private void prefetchConversations(List<PlacedMessage> placed, MessagePlacement.Links links) {
            Set<String> ids = new java.util.TreeSet<>();
            placed.forEach(p -> ids.add(p.conversationId()));
            for (MessagePlacement.Link link : links.toRecord()) {
                ids.add(link.alias().conversationId());
                ids.add(link.participant().conversationId());
            }
            prefetch(Map.of(
                    tables.name(Tables.CONVERSATIONS),
                    ids.stream()
                            .map(id -> Map.of(Conversations.CONVERSATION_ID, s(id)))
                            .toList(),
                    tables.name(Tables.CHANGE_EVENTS),
                    ids.stream()
                            .map(id -> Map.of(ChangeEvents.CONVERSATION_ID, s(id), ChangeEvents.SEQ, n(0)))
                            .toList()));
        }

        /** Reads these items in as few round trips as they fit, for {@link #get} to answer. */
        private void prefetch(Map<String, List<Map<String, AttributeValue>>> keysByTable) {
            Map<String, List<Map<String, AttributeValue>>> missing = new HashMap<>();
            keysByTable.forEach((table, keys) -> {
                var known = cache.computeIfAbsent(table, t -> new HashMap<>());
                List<Map<String, AttributeValue>> unknown =
                        keys.stream().filter(k -> !known.containsKey(k)).toList();
                if (!unknown.isEmpty()) {
                    missing.put(table, unknown);
                }
            });
            if (missing.isEmpty()) {
                return;
            }
            reads.getMany(missing, keyAttributes)
                    .forEach((table, items) -> cache.get(table).putAll(items));
        }

        /** An item, strongly consistent, read once per planning (null: none). */
        private Map<String, AttributeValue> get(String table, Map<String, AttributeValue> key) {
            var known = cache.computeIfAbsent(table, t -> new HashMap<>());
            if (known.containsKey(key)) {
                return known.get(key);
            }
            Map<String, AttributeValue> item = reads.get(table, key);
            known.put(key, item);
            return item;
        }

        private Map<String, AttributeValue> linkKey(String participant) {
            return Map.of(Participants.PARTICIPANT, s(participant), Participants.ENTRY, s(Participants.LINK));
        }

        /** Joins the alias's conversation, if one is stored, as {@link ConversationJoin} plans it. */
        private void join(ConversationKey alias, ConversationKey participant) {
            ConversationState from = conversation(alias.conversationId());
            ConversationState into = conversation(participant.conversationId());
            Optional<ConversationJoin.Plan> planned = ConversationJoin.plan(
                    alias,
                    participant,
                    from.exists() ? from.span() : null,
                    into.exists() ? into.span() : null,
                    optOutsOf(alias.participant()).values().stream()
                            .filter(OptOutState::present)
                            .map(o -> new ConversationJoin.OptOut(o.channel, o.keyword, o.at))
                            .toList(),
                    optOutsOf(participant.participant()).values().stream()
                            .filter(OptOutState::present)
                            .map(o -> o.channel)
                            .collect(Collectors.toSet()));
            if (planned.isEmpty()) {
                return;
            }
            ConversationJoin.Plan plan = planned.get();
            List<Map<String, AttributeValue>> toMove = reads.client()
                    .query(messagesOf(plan.fromConversationId(), JOIN_MOVES_IN_COMMIT + 1))
                    .items();
            if (toMove.size() > JOIN_MOVES_IN_COMMIT) {
                throw new JoinTooLarge(alias, participant);
            }
            for (Map<String, AttributeValue> stored : toMove) {
                message(stored).moveTo(plan.intoConversationId());
            }
            if (plan.renames()) {
                into.becomeRenamed(from, plan.participant());
            } else {
                into.setSpan(plan.into());
            }
            from.delete();
            Map<String, OptOutState> intoOptOuts = optOutsOf(plan.participant());
            for (ConversationJoin.OptOut carried : plan.carriedOptOuts()) {
                OptOutState state = intoOptOuts.computeIfAbsent(
                        carried.channel(), c -> new OptOutState(plan.participant(), c, null, null, false));
                state.set(carried.keyword(), carried.optedOutAt());
                state.mustBeAbsent = true;
            }
            for (OptOutState aliasOptOut : optOutsOf(plan.alias()).values()) {
                aliasOptOut.clear();
            }
            events.add(plan.event());
        }

        // ---- new messages ---------------------------------------------------------------------------

        /** The messages not stored yet; a carrier id or message id seen before (or earlier in the batch) is a repeat. */
        private List<PlacedMessage> insertMessages(List<PlacedMessage> placed, CommitTally tally) {
            Map<String, Map<String, AttributeValue>> seen = new HashMap<>();
            Set<String> ids = new HashSet<>();
            for (PlacedMessage p : placed) {
                if (p.carrierMessageId() != null) {
                    String seenKey = seenKey(p.carrier(), p.carrierMessageId());
                    Map<String, AttributeValue> item = get(tables.name(Tables.KEYS), key(seenKey));
                    if (item != null) {
                        seen.put(seenKey, item);
                    }
                }
                if (get(tables.name(Tables.KEYS), key(Keys.message(p.messageId()))) != null) {
                    ids.add(Keys.message(p.messageId()));
                }
            }
            Set<String> taken = new HashSet<>();
            List<PlacedMessage> fresh = new ArrayList<>();
            for (PlacedMessage p : placed) {
                String seenKey = p.carrierMessageId() == null ? null : seenKey(p.carrier(), p.carrierMessageId());
                boolean repeat = (seenKey != null
                                && (seen.containsKey(seenKey)
                                                && seen.get(seenKey).containsKey(Keys.MESSAGE_ID)
                                        || taken.contains(seenKey)))
                        || ids.contains(Keys.message(p.messageId()))
                        || taken.contains(Keys.message(p.messageId()));
                if (repeat) {
                    tally.duplicateMessage();
                    continue;
                }
                if (seenKey != null) {
                    taken.add(seenKey);
                }
                taken.add(Keys.message(p.messageId()));
                fresh.add(p);
                tally.stored(p.messageId());
                p.received().ifPresent(events::add);
                MessageState state = new MessageState(p, seenKey, seen.get(seenKey));
                messages.put(p.messageId(), state);
            }
            return fresh;
        }

        /** Counts the new messages into their conversations ({@link ConversationActivity}). */
        private void countIn(List<PlacedMessage> fresh) {
            for (ConversationActivity.Added added : ConversationActivity.of(fresh)) {
                ConversationState state = conversation(added.conversationId());
                if (state.exists()) {
                    state.setCounters(ConversationActivity.apply(state.counters(), added));
                } else {
                    ConversationActivity.Created created = ConversationActivity.create(added);
                    state.create(created);
                    events.add(created.event());
                }
            }
        }

        /** Statuses that arrived before their message now apply to it, in the order they happened. */
        private void attachEarlierStatuses(List<PlacedMessage> fresh) {
            for (PlacedMessage p : fresh) {
                MessageState state = messages.get(p.messageId());
                if (p.carrierMessageId() == null
                        || state.seenRead == null
                        || Items.number(state.seenRead, Keys.EARLY_REPORTS, 0) == 0) {
                    // statuses that came first are counted on the seen item: none counted, none to read
                    continue;
                }
                List<StatusUpdate> history = history(
                        StatusHistory.carrierSubject(p.carrier().wireName(), p.carrierMessageId()),
                        p.carrier(),
                        p.message().metadata().account());
                if (history.isEmpty()) {
                    continue;
                }
                StatusReports.Applied applied = StatusReports.arrivedEarlier(
                        p.messageId(), p.conversationId(), p.message().direction(), history);
                messages.get(p.messageId()).progress = applied.after();
                events.addAll(applied.events());
            }
        }

        private void recordOptOuts(List<PlacedMessage> fresh) {
            for (OptOutChanges.Change change : OptOutChanges.of(fresh)) {
                OptOutState state = optOutsOf(change.participant())
                        .computeIfAbsent(
                                change.channel(), c -> new OptOutState(change.participant(), c, null, null, false));
                if (change.optedOut()) {
                    state.set(change.keyword(), change.at());
                } else {
                    state.clear();
                }
                state.mustBeAbsent = false;
            }
        }

        // ---- statuses -------------------------------------------------------------------------------

        private void applyStatus(StatusUpdate status, CommitTally tally) {
            String subject = StatusHistory.carrierSubject(status.carrier().wireName(), status.carrierMessageId());
            String entry = historyEntry(status);
            MessageState found = messageByCarrierId(status.carrier(), status.carrierMessageId());
            boolean recorded = !historyWritten.contains(subject + "\n" + entry)
                    && get(tables.name(Tables.STATUS_HISTORY), historyKey(subject, entry)) == null;
            CommitTally.StatusOutcome outcome = tally.status(recorded, found != null);
            if (outcome == CommitTally.StatusOutcome.DUPLICATE) {
                return;
            }
            putHistory(subject, entry, status);
            if (outcome == CommitTally.StatusOutcome.UNMATCHED) {
                earlyReports.merge(seenKey(status.carrier(), status.carrierMessageId()), 1, Integer::sum);
                return;
            }
            StatusReports.Applied applied =
                    StatusReports.apply(found.messageId(), found.conversationId(), found.progress, status);
            found.progress = applied.after();
            events.addAll(applied.events());
        }

        /** The stored (or newly planned) message a carrier's id names, or null. */
        private MessageState messageByCarrierId(CarrierType carrier, String carrierMessageId) {
            String seenKey = seenKey(carrier, carrierMessageId);
            for (MessageState state : messages.values()) {
                if (seenKey.equals(state.seenKey)) {
                    return state;
                }
            }
            Map<String, AttributeValue> seen = get(tables.name(Tables.KEYS), key(seenKey));
            if (seen == null || !seen.containsKey(Keys.MESSAGE_ID)) {
                return null;
            }
            String messageId = string(seen, Keys.MESSAGE_ID);
            MessageState known = messages.get(messageId);
            if (known != null) {
                return known;
            }
            Map<String, AttributeValue> where = get(tables.name(Tables.KEYS), key(Keys.message(messageId)));
            if (where == null) {
                throw new IllegalStateException("message " + messageId + " has a seen item but no location");
            }
            Map<String, AttributeValue> stored = get(
                    tables.name(Tables.MESSAGES),
                    Map.of(
                            Messages.CONVERSATION_ID, where.get(Keys.CONVERSATION_ID),
                            Messages.MESSAGE_KEY, where.get(Keys.MESSAGE_KEY)));
            if (stored == null) {
                throw new IllegalStateException("message " + messageId + " is not where its location says");
            }
            return message(stored);
        }

        private void putHistory(String subject, String entry, StatusUpdate status) {
            Map<String, AttributeValue> item = new HashMap<>(historyKey(subject, entry));
            Items.putString(item, StatusHistory.CARRIER_MESSAGE_ID, status.carrierMessageId());
            item.put(StatusHistory.STATUS, s(status.status().wireName()));
            item.put(StatusHistory.CARRIER_STATUS, s(status.carrierStatus()));
            Items.putString(item, StatusHistory.ERROR_CODE, status.errorCode());
            Items.putString(item, StatusHistory.ERROR_MESSAGE, status.errorMessage());
            item.put(StatusHistory.OCCURRED_AT, Items.time(status.occurredAt()));
            item.put(StatusHistory.RECORDED, s(SortableTime.format(now) + "#" + String.format("%04d", recorded++)));
            writes.put(
                    tables.name(Tables.STATUS_HISTORY),
                    historyKey(subject, entry),
                    item,
                    Condition.absent(StatusHistory.SUBJECT));
            historyWritten.add(subject + "\n" + entry);
        }

        /** A subject's recorded reports, as the reports they were, in the order recorded (core orders them). */
        private List<StatusUpdate> history(String subject, CarrierType carrier, String account) {
            return reads
                    .queryAll(QueryRequest.builder()
                            .tableName(tables.name(Tables.STATUS_HISTORY))
                            .keyConditionExpression("#s = :s")
                            .expressionAttributeNames(Map.of("#s", StatusHistory.SUBJECT))
                            .expressionAttributeValues(Map.of(":s", s(subject)))
                            .consistentRead(true)
                            .build())
                    .stream()
                    .sorted(Comparator.comparing(i -> string(i, StatusHistory.RECORDED)))
                    .map(i -> {
                        String carrierMessageId = string(i, StatusHistory.CARRIER_MESSAGE_ID);
                        return new StatusUpdate(
                                carrier,
                                account,
                                carrierMessageId == null ? "" : carrierMessageId,
                                MessageStatus.fromWireName(string(i, StatusHistory.STATUS)),
                                string(i, StatusHistory.CARRIER_STATUS),
                                string(i, StatusHistory.ERROR_CODE),
                                string(i, StatusHistory.ERROR_MESSAGE),
                                Items.instant(i, StatusHistory.OCCURRED_AT),
                                null,
                                null);
                    })
                    .toList();
        }

        // ---- writing what was planned ----------------------------------------------------------------

        private void writeMessages() {
            for (MessageState m : messages.values()) {
                m.write();
            }
        }

        private void writeConversations() {
            for (ConversationState c : new TreeMap<>(conversations).values()) {
                c.write();
            }
        }

        private void writeOptOuts() {
            for (Map<String, OptOutState> ofParticipant : optOuts.values()) {
                for (OptOutState state : ofParticipant.values()) {
                    state.write();
                }
            }
        }

        private void writeEarlyReports() {
            earlyReports.forEach((seenKey, count) -> writes.update(
                    tables.name(Tables.KEYS),
                    key(seenKey),
                    "ADD #early :count",
                    Map.of("#early", Keys.EARLY_REPORTS),
                    Map.of(":count", n(count)),
                    new Condition("attribute_not_exists(#mid)", Map.of("#mid", Keys.MESSAGE_ID), Map.of())));
        }

        /** The seen item names no message yet, and counts the early reports read ({@code early}). */
        private Condition unseenWith(long early) {
            Condition unseen = new Condition("attribute_not_exists(#mid)", Map.of("#mid", Keys.MESSAGE_ID), Map.of());
            return unseen.and(
                    early == 0
                            ? new Condition(
                                    "attribute_not_exists(#early)", Map.of("#early", Keys.EARLY_REPORTS), Map.of())
                            : new Condition(
                                    "#early = :early",
                                    Map.of("#early", Keys.EARLY_REPORTS),
                                    Map.of(":early", n(early))));
        }

        /**
         * The change events, after each conversation's head (the outbox's items), and the status callbacks they
         * make due (the deliveries' items); what to run once they are written.
         */
        private Runnable writeEvents() {
            if (events.isEmpty()) {
                return () -> {};
            }
            Outbox.Appending appended = outbox.append(
                    writes,
                    events,
                    now,
                    true,
                    c -> get(
                            tables.name(Tables.CHANGE_EVENTS),
                            Map.of(ChangeEvents.CONVERSATION_ID, s(c), ChangeEvents.SEQ, n(0))));
            List<Deliveries.NewDelivery> callbacks = new ArrayList<>();
            for (Outbox.Written written : appended.written()) {
                if (StatusCallbacks.due(written.event())) {
                    MessageState m = messages.get(written.event().messageId());
                    String url = m == null ? null : string(m.item, Messages.CALLBACK_URL);
                    if (url != null) {
                        callbacks.add(Deliveries.NewDelivery.callback(
                                m.messageId(),
                                url,
                                string(m.item, Messages.CLIENT_ID),
                                Json.text(StatusCallbacks.body(written.eventId(), written.event(), now))));
                    }
                }
            }
            Deliveries.Appending queued = deliveries.append(writes, callbacks, false, now);
            return () -> {
                appended.committed();
                queued.committed();
            };
        }

        // ---- facts, read once per planning -----------------------------------------------------------

        private ConversationState conversation(String conversationId) {
            return conversations.computeIfAbsent(
                    conversationId,
                    id -> new ConversationState(
                            id, get(tables.name(Tables.CONVERSATIONS), Map.of(Conversations.CONVERSATION_ID, s(id)))));
        }

        private MessageState message(Map<String, AttributeValue> stored) {
            return messages.computeIfAbsent(string(stored, Messages.MESSAGE_ID), id -> new MessageState(stored));
        }

        private Map<String, OptOutState> optOutsOf(String participant) {
            return optOuts.computeIfAbsent(participant, p -> {
                Map<String, OptOutState> found = new TreeMap<>();
                for (Map<String, AttributeValue> item : reads.queryAll(QueryRequest.builder()
                        .tableName(tables.name(Tables.PARTICIPANTS))
                        .keyConditionExpression("#p = :p AND begins_with(#e, :prefix)")
                        .expressionAttributeNames(Map.of("#p", Participants.PARTICIPANT, "#e", Participants.ENTRY))
                        .expressionAttributeValues(Map.of(":p", s(p), ":prefix", s(Participants.OPT_OUT_PREFIX)))
                        .consistentRead(true)
                        .build())) {
                    String channel = string(item, Participants.ENTRY).substring(Participants.OPT_OUT_PREFIX.length());
                    found.put(
                            channel,
                            new OptOutState(
                                    p,
                                    channel,
                                    string(item, Participants.KEYWORD),
                                    Items.instant(item, Participants.OPTED_OUT_AT),
                                    true));
                }
                return found;
            });
        }

        // ---- the states of what is written ------------------------------------------------------------

        /** A message as read (or new), and what this commit does to it. */
        private final class MessageState {
            private final PlacedMessage placed;
            private final String seenKey;
            private final Map<String, AttributeValue> seenRead;
            private final Map<String, AttributeValue> read;
            private final MessageProgress readProgress;
            private final Map<String, AttributeValue> item;
            private MessageProgress progress;
            private String movedTo;
            /** Set when a carrier took the message: its carrier, shard, account and id. */
            private Map<String, AttributeValue> carrierFields;

            private boolean requeued;

            /** A message new in this commit. */
            MessageState(PlacedMessage placed, String seenKey, Map<String, AttributeValue> seenRead) {
                this.placed = placed;
                this.seenKey = seenKey;
                this.seenRead = seenRead;
                this.read = null;
                this.readProgress = MessageProgress.initial(placed.message().direction());
                this.progress = readProgress;
                this.item = new HashMap<>();
            }

            /** A stored message. */
            MessageState(Map<String, AttributeValue> stored) {
                this.placed = null;
                String carrier = string(stored, Messages.CARRIER);
                String carrierMessageId = string(stored, Messages.CARRIER_MESSAGE_ID);
                this.seenKey = carrierMessageId == null ? null : Keys.seen(carrier, carrierMessageId);
                this.seenRead = null;
                this.read = stored;
                this.readProgress = MessageItems.progress(stored);
                this.progress = readProgress;
                this.item = new HashMap<>(stored);
            }

            String messageId() {
                return placed != null ? placed.messageId() : string(read, Messages.MESSAGE_ID);
            }

            String conversationId() {
                if (movedTo != null) {
                    return movedTo;
                }
                return placed != null ? placed.conversationId() : string(read, Messages.CONVERSATION_ID);
            }

            void moveTo(String conversationId) {
                movedTo = conversationId;
            }

            /**
             * The carrier that took the message, its account, its id for it (null: another message holds it) and the
             * number it went from (null: the sender stored at acceptance stays).
             */
            void takenBy(CarrierType carrier, String account, String carrierMessageId, String sender) {
                carrierFields = new HashMap<>();
                carrierFields.put(Messages.CARRIER, s(carrier.wireName()));
                carrierFields.put(Messages.CARRIER_SHARD, s(carrier.wireName() + "#" + tables.shardOf(messageId())));
                carrierFields.put(Messages.ACCOUNT, s(account));
                if (carrierMessageId != null) {
                    carrierFields.put(Messages.CARRIER_MESSAGE_ID, s(carrierMessageId));
                }
                if (sender != null) {
                    carrierFields.put(Messages.SENDER, s(sender));
                }
            }

            void requeue() {
                progress = new MessageProgress(
                        MessageStatus.QUEUED, progress.sentAt(), progress.deliveredAt(), progress.readAt(), null, null);
                requeued = true;
            }

            void write() {
                if (placed != null) {
                    writeNew();
                } else if (movedTo != null) {
                    writeMoved();
                } else if (requeued) {
                    writeRequeued();
                } else if (!progress.equals(readProgress) || carrierFields != null) {
                    writeProgress();
                }
            }

            /**
             * The whole item again with its new progress, conditional on the progress read: its error goes, and an
             * update could remove only one attribute on the http4k fake.
             */
            private void writeRequeued() {
                writes.put(
                        tables.name(Tables.MESSAGES),
                        messageKeyOf(read),
                        MessageItems.withProgress(tables, messageId(), new HashMap<>(item), progress),
                        progressUnchanged());
            }

            private void writeNew() {
                Map<String, AttributeValue> newItem = MessageItems.item(tables, placed, progress);
                Items.putString(newItem, Messages.CALLBACK_URL, callbackUrls.get(placed.messageId()));
                if (Items.size(newItem) > Writes.MAX_ITEM_BYTES) {
                    throw new OversizeException(
                            "message " + placed.messageId() + " is larger than one DynamoDB item may be (400 KB)");
                }
                writes.put(
                        tables.name(Tables.MESSAGES),
                        messageKeyOf(newItem),
                        newItem,
                        Condition.absent(Messages.CONVERSATION_ID));
                writes.put(
                        tables.name(Tables.KEYS),
                        key(Keys.message(placed.messageId())),
                        location(placed.messageId(), newItem),
                        Condition.absent(Keys.KEY));
                if (seenKey != null) {
                    long early = seenRead == null ? 0 : Items.number(seenRead, Keys.EARLY_REPORTS, 0);
                    Condition unseen =
                            new Condition("attribute_not_exists(#mid)", Map.of("#mid", Keys.MESSAGE_ID), Map.of());
                    Condition sameEarly = early == 0
                            ? new Condition(
                                    "attribute_not_exists(#early)", Map.of("#early", Keys.EARLY_REPORTS), Map.of())
                            : new Condition(
                                    "#early = :early",
                                    Map.of("#early", Keys.EARLY_REPORTS),
                                    Map.of(":early", n(early)));
                    writes.update(
                            tables.name(Tables.KEYS),
                            key(seenKey),
                            "SET #messageId = :messageId",
                            Map.of("#messageId", Keys.MESSAGE_ID),
                            Map.of(":messageId", s(placed.messageId())),
                            unseen.and(sameEarly));
                }
            }

            private void writeMoved() {
                Map<String, AttributeValue> moved =
                        MessageItems.withProgress(tables, messageId(), new HashMap<>(item), progress);
                moved.put(Messages.CONVERSATION_ID, s(movedTo));
                writes.delete(tables.name(Tables.MESSAGES), messageKeyOf(read), progressUnchanged());
                writes.put(
                        tables.name(Tables.MESSAGES),
                        messageKeyOf(moved),
                        moved,
                        Condition.absent(Messages.CONVERSATION_ID));
                writes.update(
                        tables.name(Tables.KEYS),
                        key(Keys.message(messageId())),
                        "SET #c = :c",
                        Map.of("#c", Keys.CONVERSATION_ID),
                        Map.of(":c", s(movedTo)),
                        Condition.none());
            }

            private void writeProgress() {
                Map<String, String> names = new HashMap<>();
                Map<String, AttributeValue> values = new HashMap<>();
                List<String> set = new ArrayList<>();
                List<String> remove = new ArrayList<>();
                names.put("#st", Messages.STATUS);
                names.put("#sh", Messages.STATUS_SHARD);
                values.put(":st", s(progress.status().wireName()));
                values.put(":sh", s(progress.status().wireName() + "#" + tables.shardOf(messageId())));
                set.add("#st = :st");
                set.add("#sh = :sh");
                Map<String, AttributeValue> after =
                        MessageItems.withProgress(tables, messageId(), new HashMap<>(), progress);
                int i = 0;
                for (String name : PROGRESS_FIELDS) {
                    String alias = "#p" + i;
                    if (after.containsKey(name) && !after.get(name).equals(read.get(name))) {
                        names.put(alias, name);
                        values.put(":p" + i, after.get(name));
                        set.add(alias + " = :p" + i);
                    } else if (!after.containsKey(name) && read.containsKey(name)) {
                        names.put(alias, name);
                        remove.add(alias);
                    }
                    i++;
                }
                if (carrierFields != null) {
                    int c = 0;
                    for (Map.Entry<String, AttributeValue> field : carrierFields.entrySet()) {
                        names.put("#cf" + c, field.getKey());
                        values.put(":cf" + c, field.getValue());
                        set.add("#cf" + c + " = :cf" + c);
                        c++;
                    }
                }
                String expression = "SET " + String.join(", ", set)
                        + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
                writes.update(
                        tables.name(Tables.MESSAGES),
                        messageKeyOf(read),
                        expression,
                        names,
                        values,
                        progressUnchanged());
            }

            private Condition progressUnchanged() {
                return CommitPlanner.this.progressUnchanged(messageId(), readProgress);
            }
        }

        /** A conversation as read (or absent), and what this commit does to it. */
        private final class ConversationState {
            private final String id;
            private final Map<String, AttributeValue> read;
            private Map<String, AttributeValue> current;
            private boolean changed;

            ConversationState(String id, Map<String, AttributeValue> read) {
                this.id = id;
                this.read = read;
                this.current = read == null ? null : new HashMap<>(read);
            }

            boolean exists() {
                return current != null;
            }

            ConversationJoin.Span span() {
                return new ConversationJoin.Span(
                        Items.number(current, Conversations.MESSAGE_COUNT, 0),
                        Items.instant(current, Conversations.CREATED_AT),
                        Items.instant(current, Conversations.LAST_MESSAGE_AT),
                        Items.instant(current, Conversations.LAST_WHATSAPP_INBOUND_AT));
            }

            ConversationActivity.Counters counters() {
                return new ConversationActivity.Counters(
                        Items.number(current, Conversations.MESSAGE_COUNT, 0),
                        Items.instant(current, Conversations.LAST_MESSAGE_AT),
                        MessageItems.carrier(string(current, Conversations.CARRIER)),
                        Items.instant(current, Conversations.LAST_WHATSAPP_INBOUND_AT));
            }

            /**
             * Keeps a known last WhatsApp message from the customer; an unknown one (null) leaves the attribute as it
             * is: NULL stays NULL, and an item counted before the attribute was kept stays without it, so that its
             * messages are still read for it rather than taken to have none.
             */
            private void setLastWhatsAppInbound(Instant at) {
                if (at != null) {
                    current.put(Conversations.LAST_WHATSAPP_INBOUND_AT, Items.time(at));
                }
            }

            void setCounters(ConversationActivity.Counters counters) {
                current.put(Conversations.MESSAGE_COUNT, n(counters.messageCount()));
                current.put(Conversations.LAST_MESSAGE_AT, Items.time(counters.lastMessageAt()));
                current.put(Conversations.CARRIER, s(counters.carrier().wireName()));
                setLastWhatsAppInbound(counters.lastWhatsAppInbound());
                changed = true;
            }

            /** The carrier a reply goes back through. */
            void setCarrier(CarrierType carrier) {
                current.put(Conversations.CARRIER, s(carrier.wireName()));
                changed = true;
            }

            void setSpan(ConversationJoin.Span span) {
                current.put(Conversations.MESSAGE_COUNT, n(span.messageCount()));
                current.put(Conversations.CREATED_AT, Items.time(span.createdAt()));
                current.put(Conversations.LAST_MESSAGE_AT, Items.time(span.lastMessageAt()));
                setLastWhatsAppInbound(span.lastWhatsAppInbound());
                changed = true;
            }

            void create(ConversationActivity.Created created) {
                current = new HashMap<>();
                current.put(Conversations.CONVERSATION_ID, s(id));
                current.put(Conversations.PARTICIPANT, s(created.participant()));
                current.put(Conversations.CARRIER, s(created.carrier().wireName()));
                current.put(Conversations.STATE, s(created.state()));
                current.put(Conversations.CREATED_AT, Items.time(created.createdAt()));
                current.put(Conversations.LAST_MESSAGE_AT, Items.time(created.lastMessageAt()));
                current.put(Conversations.MESSAGE_COUNT, n(created.messageCount()));
                current.put(
                        Conversations.LAST_WHATSAPP_INBOUND_AT,
                        created.lastWhatsAppInbound() == null
                                ? AttributeValue.fromNul(true)
                                : Items.time(created.lastWhatsAppInbound()));
                current.put(Conversations.METADATA, s("{}"));
                changed = true;
            }

            /** Takes over the alias's conversation, state, tags and carrier included, as the participant's. */
            void becomeRenamed(ConversationState alias, String participant) {
                current = new HashMap<>(alias.current);
                current.put(Conversations.CONVERSATION_ID, s(id));
                current.put(Conversations.PARTICIPANT, s(participant));
                changed = true;
            }

            void delete() {
                current = null;
                changed = true;
            }

            void write() {
                if (!changed) {
                    return;
                }
                String table = tables.name(Tables.CONVERSATIONS);
                Map<String, AttributeValue> key = Map.of(Conversations.CONVERSATION_ID, s(id));
                if (current == null) {
                    if (read != null) {
                        writes.delete(table, key, unchanged());
                    }
                    return;
                }
                current.put(Conversations.ACTIVITY_SHARD, s(Integer.toString(tables.shardOf(id))));
                current.put(Conversations.ACTIVITY_KEY, s(activityKey()));
                if (read == null) {
                    writes.put(table, key, current, Condition.absent(Conversations.CONVERSATION_ID));
                    return;
                }
                Map<String, String> names = new HashMap<>();
                Map<String, AttributeValue> values = new HashMap<>();
                List<String> set = new ArrayList<>();
                int i = 0;
                for (String name : COUNTER_FIELDS) {
                    if (!current.containsKey(name)) {
                        continue; // the last WhatsApp message of a conversation counted before it was kept
                    }
                    names.put("#n" + i, name);
                    values.put(":n" + i, current.get(name));
                    set.add("#n" + i + " = :n" + i);
                    i++;
                }
                writes.update(table, key, "SET " + String.join(", ", set), names, values, unchanged());
            }

            private String activityKey() {
                return string(current, Conversations.LAST_MESSAGE_AT) + "#" + id;
            }

            /** The conversation still shows the activity read: nobody counted a message into it meanwhile. */
            private Condition unchanged() {
                Map<String, String> names = new HashMap<>();
                Map<String, AttributeValue> values = new HashMap<>();
                List<String> terms = new ArrayList<>();
                int i = 0;
                for (String name : List.of(
                        Conversations.MESSAGE_COUNT,
                        Conversations.LAST_MESSAGE_AT,
                        Conversations.CARRIER,
                        Conversations.CREATED_AT)) {
                    names.put("#u" + i, name);
                    values.put(":u" + i, read.get(name));
                    terms.add("#u" + i + " = :u" + i);
                    i++;
                }
                return new Condition(String.join(" AND ", terms), names, values);
            }
        }

        /** A participant's standing on one channel as read, and as this commit leaves it. */
        private final class OptOutState {
            private final String participant;
            private final String channel;
            private final boolean storedBefore;
            private String keyword;
            private Instant at;
            private boolean changed;
            /** Carried over by a join: written only if the participant has none on the channel. */
            private boolean mustBeAbsent;

            OptOutState(String participant, String channel, String keyword, Instant at, boolean storedBefore) {
                this.participant = participant;
                this.channel = channel;
                this.keyword = keyword;
                this.at = at;
                this.storedBefore = storedBefore;
            }

            boolean present() {
                return keyword != null;
            }

            void set(String keyword, Instant at) {
                this.keyword = keyword;
                this.at = at;
                changed = true;
            }

            void clear() {
                this.keyword = null;
                this.at = null;
                changed = true;
            }

            void write() {
                if (!changed) {
                    return;
                }
                String table = tables.name(Tables.PARTICIPANTS);
                Map<String, AttributeValue> key = Map.of(
                        Participants.PARTICIPANT,
                        s(participant),
                        Participants.ENTRY,
                        s(Participants.OPT_OUT_PREFIX + channel));
                if (keyword == null) {
                    if (storedBefore) {
                        writes.delete(table, key, Condition.none());
                    }
                    return;
                }
                Map<String, AttributeValue> item = new HashMap<>(key);
                item.put(Participants.KEYWORD, s(keyword));
                item.put(Participants.OPTED_OUT_AT, Items.time(at));
                writes.put(
                        table, key, item, mustBeAbsent ? Condition.absent(Participants.PARTICIPANT) : Condition.none());
            }
        }
    }

    private static final List<String> PROGRESS_FIELDS = List.of(
            Messages.SENT_AT, Messages.DELIVERED_AT, Messages.READ_AT, Messages.ERROR_CODE, Messages.ERROR_MESSAGE);

    private static final List<String> COUNTER_FIELDS = List.of(
            Conversations.MESSAGE_COUNT,
            Conversations.CREATED_AT,
            Conversations.LAST_MESSAGE_AT,
            Conversations.CARRIER,
            Conversations.LAST_WHATSAPP_INBOUND_AT,
            Conversations.ACTIVITY_SHARD,
            Conversations.ACTIVITY_KEY);

    /** Most messages a join moves in the commit that reveals it; a bigger conversation is moved ahead in parts. */
    static final int JOIN_MOVES_IN_COMMIT = 20;

    /** Most messages one transaction of {@link #moveAhead} moves: three writes each, and two conversations. */
    static final int JOIN_MOVES_PER_TRANSACTION = 30;

    /** A join has more messages to move than the commit holds: move them ahead ({@link #moveAhead}), then plan again. */
    static final class JoinTooLarge extends RuntimeException {
        final ConversationKey alias;
        final ConversationKey participant;

        JoinTooLarge(ConversationKey alias, ConversationKey participant) {
            super(
                    "the conversation of " + alias.conversationId() + " is too big to join in one transaction",
                    null,
                    false,
                    false);
            this.alias = alias;
            this.participant = participant;
        }
    }

    /**
     * One transaction that moves the oldest messages of the alias's conversation into the participant's, with
     * both conversations' counts kept true: the alias's loses what the participant's gains (created, when it
     * is not stored, as the alias's under the participant's id, as a join would rename it). No event: the
     * commit that finishes the join announces it. Each part leaves every message in exactly one conversation,
     * so a crash between parts loses nothing, and the carrier's retry of the webhook finishes the join.
     */
    Writes moveAhead(JoinTooLarge join) {
        String fromId = join.alias.conversationId();
        String intoId = join.participant.conversationId();
        String conversations = tables.name(Tables.CONVERSATIONS);
        Map<String, AttributeValue> from = reads.get(conversations, Map.of(Conversations.CONVERSATION_ID, s(fromId)));
        Map<String, AttributeValue> into = reads.get(conversations, Map.of(Conversations.CONVERSATION_ID, s(intoId)));
        Writes writes = new Writes();
        if (from == null) {
            return writes;
        }
        List<Map<String, AttributeValue>> moving = reads.client()
                .query(messagesOf(fromId, JOIN_MOVES_PER_TRANSACTION))
                .items();
        for (Map<String, AttributeValue> message : moving) {
            Map<String, AttributeValue> moved = new HashMap<>(message);
            moved.put(Messages.CONVERSATION_ID, s(intoId));
            writes.delete(
                    tables.name(Tables.MESSAGES),
                    messageKeyOf(message),
                    progressUnchanged(string(message, Messages.MESSAGE_ID), MessageItems.progress(message)));
            writes.put(
                    tables.name(Tables.MESSAGES),
                    messageKeyOf(moved),
                    moved,
                    Condition.absent(Messages.CONVERSATION_ID));
            writes.update(
                    tables.name(Tables.KEYS),
                    key(Keys.message(string(message, Messages.MESSAGE_ID))),
                    "SET #c = :c",
                    Map.of("#c", Keys.CONVERSATION_ID),
                    Map.of(":c", s(intoId)),
                    Condition.none());
        }
        long count = moving.size();
        long fromCount = Items.number(from, Conversations.MESSAGE_COUNT, 0);
        writes.update(
                conversations,
                Map.of(Conversations.CONVERSATION_ID, s(fromId)),
                "SET #n = :n",
                Map.of("#n", Conversations.MESSAGE_COUNT),
                Map.of(":n", n(Math.max(0, fromCount - count))),
                new Condition(
                        "#read = :read", Map.of("#read", Conversations.MESSAGE_COUNT), Map.of(":read", n(fromCount))));
        if (into == null) {
            Map<String, AttributeValue> created = new HashMap<>(from);
            created.put(Conversations.CONVERSATION_ID, s(intoId));
            created.put(Conversations.PARTICIPANT, s(join.participant.participant()));
            created.put(Conversations.MESSAGE_COUNT, n(count));
            created.put(Conversations.ACTIVITY_SHARD, s(Integer.toString(tables.shardOf(intoId))));
            created.put(Conversations.ACTIVITY_KEY, s(string(from, Conversations.LAST_MESSAGE_AT) + "#" + intoId));
            writes.put(
                    conversations,
                    Map.of(Conversations.CONVERSATION_ID, s(intoId)),
                    created,
                    Condition.absent(Conversations.CONVERSATION_ID));
        } else {
            long intoCount = Items.number(into, Conversations.MESSAGE_COUNT, 0);
            String created = earlier(string(into, Conversations.CREATED_AT), string(from, Conversations.CREATED_AT));
            String last =
                    later(string(into, Conversations.LAST_MESSAGE_AT), string(from, Conversations.LAST_MESSAGE_AT));
            writes.update(
                    conversations,
                    Map.of(Conversations.CONVERSATION_ID, s(intoId)),
                    "SET #n = :n, #created = :created, #last = :last, #key = :key",
                    Map.of(
                            "#n", Conversations.MESSAGE_COUNT,
                            "#created", Conversations.CREATED_AT,
                            "#last", Conversations.LAST_MESSAGE_AT,
                            "#key", Conversations.ACTIVITY_KEY),
                    Map.of(
                            ":n", n(intoCount + count),
                            ":created", s(created),
                            ":last", s(last),
                            ":key", s(last + "#" + intoId)),
                    new Condition(
                            "#read = :read",
                            Map.of("#read", Conversations.MESSAGE_COUNT),
                            Map.of(":read", n(intoCount))));
        }
        return writes;
    }

    /** The message still shows the progress read: no report was applied to it meanwhile. */
    private Condition progressUnchanged(String messageId, MessageProgress read) {
        Map<String, AttributeValue> before = MessageItems.withProgress(tables, messageId, new HashMap<>(), read);
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        List<String> terms = new ArrayList<>();
        names.put("#rst", Messages.STATUS);
        values.put(":rst", before.get(Messages.STATUS));
        terms.add("#rst = :rst");
        int i = 0;
        for (String name : PROGRESS_FIELDS) {
            String alias = "#r" + i;
            names.put(alias, name);
            if (before.containsKey(name)) {
                values.put(":r" + i, before.get(name));
                terms.add(alias + " = :r" + i);
            } else {
                terms.add("attribute_not_exists(" + alias + ")");
            }
            i++;
        }
        return new Condition(String.join(" AND ", terms), names, values);
    }

    private static String earlier(String a, String b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String later(String a, String b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The oldest {@code limit} messages of a conversation, strongly consistent. */
    private QueryRequest messagesOf(String conversationId, int limit) {
        return QueryRequest.builder()
                .tableName(tables.name(Tables.MESSAGES))
                .keyConditionExpression("#c = :c")
                .expressionAttributeNames(Map.of("#c", Messages.CONVERSATION_ID))
                .expressionAttributeValues(Map.of(":c", s(conversationId)))
                .consistentRead(true)
                .limit(limit)
                .build();
    }

    /** A batch needs more than one item may hold: it cannot be written however it is split. */
    static final class OversizeException extends RuntimeException {
        OversizeException(String message) {
            super(message);
        }
    }

    static Map<String, AttributeValue> key(String key) {
        return Map.of(Keys.KEY, s(key));
    }

    static String seenKey(CarrierType carrier, String carrierMessageId) {
        return Keys.seen(carrier.wireName(), carrierMessageId);
    }

    static Map<String, AttributeValue> messageKeyOf(Map<String, AttributeValue> item) {
        return Map.of(
                Messages.CONVERSATION_ID, item.get(Messages.CONVERSATION_ID),
                Messages.MESSAGE_KEY, item.get(Messages.MESSAGE_KEY));
    }

    /** The {@code message#id} item: where the message is. */
    static Map<String, AttributeValue> location(String messageId, Map<String, AttributeValue> messageItem) {
        Map<String, AttributeValue> item = new HashMap<>(key(Keys.message(messageId)));
        item.put(Keys.CONVERSATION_ID, messageItem.get(Messages.CONVERSATION_ID));
        item.put(Keys.MESSAGE_KEY, messageItem.get(Messages.MESSAGE_KEY));
        return item;
    }

    static Map<String, AttributeValue> historyKey(String subject, String entry) {
        return Map.of(StatusHistory.SUBJECT, s(subject), StatusHistory.ENTRY, s(entry));
    }

    /** A report's identity: a carrier repeating it names the same time, status and raw status. */
    static String historyEntry(StatusUpdate status) {
        return SortableTime.format(status.occurredAt()) + "#" + status.status().wireName() + "#"
                + status.carrierStatus();
    }

    /** {@code <due>#<seq, 19 digits>}: due-index order, oldest first. */
    static String dueKey(Instant due, long seq) {
        return SortableTime.format(due) + "#" + String.format("%019d", seq);
    }

    /** The report with its time as the store keeps it, so that events carry what is stored. */
    private static StatusUpdate stored(StatusUpdate report) {
        return new StatusUpdate(
                report.carrier(),
                report.account(),
                report.carrierMessageId(),
                report.status(),
                report.carrierStatus(),
                report.errorCode(),
                report.errorMessage(),
                SortableTime.stored(report.occurredAt()),
                report.recipient(),
                report.originalPayload());
    }

    static boolean isOutbound(Map<String, AttributeValue> messageItem) {
        return Direction.OUTBOUND.wireName().equals(string(messageItem, Messages.DIRECTION));
    }
}
