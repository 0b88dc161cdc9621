package io.omniservice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Sender;
import io.omniservice.core.outbound.Priority;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.SendJob;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.Storage;
import io.omniservice.core.store.StorageException;
import io.omniservice.store.contract.FeedStoreContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The storage contract on a {@link JdbcMessageStore} database, with what only the JDBC engine shows: concurrent
 * commits grouped into shared transactions, and a group that a bad batch does not fail.
 */
abstract class JdbcStorageContract extends FeedStoreContract {
    /** The store under test, as its JDBC self. */
    protected JdbcMessageStore jdbc;

    /** A store on an empty database; null (with {@link #unavailable} set) if there is none here. */
    protected abstract JdbcMessageStore openStore() throws Exception;

    @Override
    protected boolean handsOverStoredMessages() {
        return true;
    }

    @Override
    protected final Storage openStorage() throws Exception {
        jdbc = openStore();
        return jdbc;
    }

    @Override
    protected List<WrittenEvent> changeEvents(String conversationId) {
        List<WrittenEvent> events = new ArrayList<>();
        try (Connection connection = jdbc.dataSource().getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT event_id, type, message_id, payload FROM change_events WHERE conversation_id = ?"
                                + " ORDER BY seq")) {
            select.setString(1, conversationId);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    events.add(new WrittenEvent(
                            rs.getString("type"),
                            SqlDialect.of(rs).uuid(rs, "event_id"),
                            rs.getString("message_id"),
                            Json.MAPPER.readTree(rs.getString("payload"))));
                }
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return events;
    }

    private List<String> eventTypes(String conversationId) {
        return changeEvents(conversationId).stream().map(WrittenEvent::type).toList();
    }

    @Test
    void duplicatesInsideOneGroupAreStoredOnce() {
        String phone = phone();
        String carrierMessageId = carrierId();
        var a = inbound(CarrierType.BANDWIDTH, carrierMessageId, Sender.phone(phone, null), now(), text("x"));
        var b = inbound(CarrierType.BANDWIDTH, carrierMessageId, Sender.phone(phone, null), now(), text("x"));
        var c = inbound(CarrierType.BANDWIDTH, carrierMessageId, Sender.phone(phone, null), now(), text("x"));

        List<CommitResult> results =
                jdbc.submitTogether(List.of(batch(a), new InboundBatch(List.of(b, c), List.of()))).stream()
                        .map(JdbcMessageStore::await)
                        .toList();

        assertThat(results.get(0).storedMessageIds())
                .containsExactly(a.message().messageId());
        assertThat(results.get(1)).isEqualTo(new CommitResult(List.of(), 2, 0, 0, 0));
        assertThat(store.conversation(a.message().conversationId())
                        .orElseThrow()
                        .messageCount())
                .isEqualTo(1);
        assertThat(eventTypes(a.message().conversationId()))
                .containsExactly(ChangeEvent.CONVERSATION_CREATED, ChangeEvent.MESSAGE_RECEIVED);
    }

    /** A send over the carrier its conversation already has writes nothing to the conversation; another carrier does. */
    @Test
    void aConversationsCarrierIsWrittenOnlyWhenItChanges() throws SQLException {
        var hello = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone(), null), now(), text("hello"));
        store.commit(batch(hello));
        String conversation = hello.message().conversationId();
        try (Connection connection = jdbc.dataSource().getConnection();
                PreparedStatement update = connection.prepareStatement(OutboundWrites.CONVERSATION_CARRIER)) {
            connection.setAutoCommit(true);
            assertThat(carrier(update, conversation, CarrierType.TWILIO)).isZero();
            assertThat(carrier(update, conversation, CarrierType.BANDWIDTH)).isEqualTo(1);
        }
        assertThat(store.conversation(conversation).orElseThrow().carrier()).isEqualTo(CarrierType.BANDWIDTH);
    }

    /**
     * Within a priority the job due first is leased first, whatever the order the sends were asked for in (the
     * order the {@code (priority, not_before, seq)} index gives); a higher priority still goes before.
     */
    @Test
    void withinAPriorityTheJobDueFirstIsLeasedFirst() {
        Instant inAnHour = Instant.now().plus(Duration.ofHours(1));
        QueuedMessage scheduled = queued(phone(), Priority.NORMAL, inAnHour, null);
        QueuedMessage immediate = queued(phone(), Priority.NORMAL, now(), null);
        QueuedMessage urgent = queued(phone(), Priority.HIGH, inAnHour, null);
        for (QueuedMessage q : List.of(scheduled, immediate, urgent)) {
            storage.outbound().accept(q);
        }
        List<String> mine = Stream.of(scheduled, immediate, urgent)
                .map(q -> q.message().messageId())
                .toList();

        assertThat(claimedOf(
                        storage.outbound().claimDue("node-a", inAnHour.plusSeconds(1), Duration.ofMinutes(5), 10_000),
                        mine))
                .containsExactly(
                        urgent.message().messageId(),
                        immediate.message().messageId(),
                        scheduled.message().messageId());
    }

    private static int carrier(PreparedStatement update, String conversation, CarrierType carrier) throws SQLException {
        update.setString(1, carrier.wireName());
        update.setString(2, conversation);
        update.setString(3, carrier.wireName());
        return update.executeUpdate();
    }

    @Test
    void oneBadBatchDoesNotFailItsGroup() {
        String phone = phone();
        var good1 = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("1"));
        // longer than the carrier_message_id column: the database refuses the row
        var bad = inbound(CarrierType.TWILIO, "x".repeat(300), Sender.phone(phone, null), now(), text("2"));
        var good2 = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("3"));
        long retriedBefore = jdbc.committer().groupsRetriedAlone.get();

        List<CompletableFuture<CommitResult>> results =
                jdbc.submitTogether(List.of(batch(good1), batch(bad), batch(good2)));

        assertThat(JdbcMessageStore.await(results.get(0)).storedMessageIds())
                .containsExactly(good1.message().messageId());
        assertThatThrownBy(() -> JdbcMessageStore.await(results.get(1))).isInstanceOf(StorageException.class);
        assertThat(JdbcMessageStore.await(results.get(2)).storedMessageIds())
                .containsExactly(good2.message().messageId());
        assertThat(jdbc.committer().groupsRetriedAlone.get()).isEqualTo(retriedBefore + 1);
        assertThat(store.message(bad.message().messageId())).isEmpty();
        assertThat(store.conversation(good1.message().conversationId())
                        .orElseThrow()
                        .messageCount())
                .isEqualTo(2);
    }

    @Test
    void concurrentCommitsShareTransactions() throws Exception {
        int threads = 50;
        int commitsPerThread = 4;
        String phone = phone();
        long groupsBefore = jdbc.committer().groupsCommitted.get();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    for (int c = 0; c < commitsPerThread; c++) {
                        store.commit(batch(
                                inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("m"))));
                    }
                    return null;
                });
            }
        }
        long groups = jdbc.committer().groupsCommitted.get() - groupsBefore;

        assertThat(store.conversation(new ConversationKey(phone).conversationId())
                        .orElseThrow()
                        .messageCount())
                .isEqualTo(threads * commitsPerThread);
        assertThat(groups).as("concurrent commits share transactions").isLessThan(threads * commitsPerThread);
    }

    /**
     * The lease query of the release before receipt deadlines ({@code JdbcOutboundStore.claimDue} as it was then),
     * word for word: a node of that release runs it beside this one during a rolling upgrade.
     */
    private static final String PREVIOUS_RELEASE_LEASE_QUERY = """
            SELECT j.message_id, j.conversation_id, j.priority, j.expire_at, j.plan, j.runs FROM send_jobs j
            WHERE j.not_before <= ? AND (j.lease_until IS NULL OR j.lease_until < ?)
              AND NOT EXISTS (SELECT 1 FROM send_jobs e
                  WHERE e.conversation_id = j.conversation_id AND e.seq < j.seq AND e.not_before <= ?)
            ORDER BY j.priority, j.seq LIMIT ?""";

    private List<String> leasedByPreviousRelease(Instant at) throws SQLException {
        List<String> due = new ArrayList<>();
        try (Connection connection = jdbc.dataSource().getConnection();
                PreparedStatement select = connection.prepareStatement(PREVIOUS_RELEASE_LEASE_QUERY)) {
            SqlTime.set(select, 1, SqlTime.stored(at));
            SqlTime.set(select, 2, SqlTime.stored(at));
            SqlTime.set(select, 3, SqlTime.stored(at));
            select.setInt(4, 100_000);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    due.add(rs.getString("message_id"));
                }
            }
        }
        return due;
    }

    @Test
    void aReceiptDeadlineIsNothingANodeOfThePreviousReleaseLeasesAsASend() throws Exception {
        Instant sentAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        SendJob sent = sentWithFallback(60, sentAt);
        Instant pastTheDeadline = sentAt.plusSeconds(3600);

        // that node would take the row for a send and send the message again, the watch in its plan unknown to it
        assertThat(leasedByPreviousRelease(pastTheDeadline)).doesNotContain(sent.messageId());
        assertThat(storage.outbound().claimDue("new-node", pastTheDeadline, Duration.ofMinutes(5), 100_000))
                .extracting(SendJob::messageId)
                .contains(sent.messageId());
    }
}
