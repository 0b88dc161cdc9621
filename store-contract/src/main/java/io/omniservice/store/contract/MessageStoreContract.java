package io.omniservice.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageIds;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.model.Sender;
import io.omniservice.core.model.StatusChange;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.InvalidCursorException;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Page;
import io.omniservice.core.store.PageRequest;
import io.omniservice.core.store.StorageException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The behaviour every {@link MessageStore} must show, whatever stands behind it (H2, PostgreSQL, DynamoDB).
 * Subclasses open one store per class; each test keeps to its own customers and carrier message ids, so tests
 * share that store safely. What a test must see that the port does not show (the change events a commit wrote,
 * who is opted out) the adapter answers through the small hooks below.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class MessageStoreContract {
    protected MessageStore store;

    /** Why there is no store (its database cannot be reached here); null when there is one. */
    protected String unavailable;

    /** A store on an empty database of the adapter under test; null (with {@link #unavailable} set) if none. */
    protected abstract MessageStore openMessageStore() throws Exception;

    /** Closes what {@link #openMessageStore()} opened; called once, after the tests. */
    protected void closeStore() throws Exception {}

    /** Removes what {@link #openMessageStore()} made, after the store is closed. */
    protected void dropStore() throws Exception {}

    /** A replay guard on the store's database, as one more node would make it. */
    protected abstract ReplayGuard replayGuard(Clock clock);

    /** Whether the store says it answers ({@code Storage.isReady}). */
    protected abstract boolean ready();

    /** A change event as the store wrote it: its type, id, message (null for a conversation's) and payload. */
    public record WrittenEvent(String type, UUID eventId, String messageId, JsonNode payload) {}

    /** The change events written for a conversation and not yet consumed, in the order they were written. */
    protected abstract List<WrittenEvent> changeEvents(String conversationId);

    /** The channels the participant is opted out of, as the store keeps them. */
    protected abstract Set<String> optedOutChannels(String participant);

    @BeforeAll
    void open() throws Exception {
        store = openMessageStore();
    }

    @BeforeEach
    void skipWithoutStore() {
        if (store == null) {
            Assumptions.abort(unavailable);
        }
    }

    @AfterAll
    void close() throws Exception {
        if (store != null) {
            closeStore();
        }
        dropStore();
    }

    // ---- writing -----------------------------------------------------------------------------------

    @Test
    void committedMessageReadsBackAsStored() {
        String phone = phone();
        Instant receivedAt = Instant.parse("2026-03-01T10:15:30.123456Z");
        var content = new MessageContent.Media(
                "look", List.of(new MediaItem("https://example.com/a.jpg", null, "image/jpeg", "a.jpg", 1234L, null)));
        InboundBatch.NewMessage item =
                inbound(CarrierType.TWILIO, carrierId(), new Sender(phone, phone, "Ann"), receivedAt, content);

        CommitResult result = store.commit(batch(item));

        NormalizedMessage sent = item.message();
        assertThat(result).isEqualTo(new CommitResult(List.of(sent.messageId()), 0, 0, 0, 0));
        Message stored = store.message(sent.messageId()).orElseThrow();
        assertThat(stored.messageId()).isEqualTo(sent.messageId());
        assertThat(stored.conversationId()).isEqualTo(new ConversationKey(phone).conversationId());
        assertThat(stored.direction()).isEqualTo(Direction.INBOUND);
        assertThat(stored.carrier()).isEqualTo(CarrierType.TWILIO);
        assertThat(stored.sender()).isEqualTo(phone);
        assertThat(stored.senderName()).isEqualTo("Ann");
        assertThat(stored.recipient()).isEqualTo("+14155550199");
        assertThat(stored.content()).isEqualTo(content);
        assertThat(stored.status()).isEqualTo(MessageStatus.RECEIVED);
        assertThat(stored.timestamps()).isEqualTo(new Message.Timestamps(receivedAt, null, null, null));
        assertThat(stored.carrierMessageId()).isEqualTo(sent.metadata().carrierMessageId());
        assertThat(stored.error()).isNull();
        assertThat(stored.statusHistory())
                .containsExactly(new StatusChange(MessageStatus.RECEIVED, receivedAt, "received", null));
        assertThat(stored.metadata()).isEqualTo(sent.metadata());
        assertThat(store.message(MessageIds.next(Clock.systemUTC()))).isEmpty();
    }

    @Test
    void duplicateWebhookStoresOneMessage() {
        String phone = phone();
        String carrierMessageId = carrierId();
        var first = inbound(CarrierType.WHATSAPP, carrierMessageId, Sender.phone(phone, null), now(), text("hi"));
        var retry = inbound(CarrierType.WHATSAPP, carrierMessageId, Sender.phone(phone, null), now(), text("hi"));

        CommitResult stored = store.commit(batch(first));
        CommitResult repeated = store.commit(batch(retry));

        assertThat(stored.storedMessageIds()).containsExactly(first.message().messageId());
        assertThat(repeated).isEqualTo(new CommitResult(List.of(), 1, 0, 0, 0));
        assertThat(store.message(retry.message().messageId())).isEmpty();
        Conversation conversation =
                store.conversation(first.message().conversationId()).orElseThrow();
        assertThat(conversation.messageCount()).isEqualTo(1);
        assertThat(eventTypes(first.message().conversationId()))
                .containsExactly(ChangeEvent.CONVERSATION_CREATED, ChangeEvent.MESSAGE_RECEIVED);
    }

    @Test
    void duplicatesInsideOneBatchAreStoredOnce() {
        String phone = phone();
        String carrierMessageId = carrierId();
        var a = inbound(CarrierType.BANDWIDTH, carrierMessageId, Sender.phone(phone, null), now(), text("x"));
        var b = inbound(CarrierType.BANDWIDTH, carrierMessageId, Sender.phone(phone, null), now(), text("x"));

        CommitResult result = store.commit(new InboundBatch(List.of(a, b), List.of()));

        assertThat(result).isEqualTo(new CommitResult(List.of(a.message().messageId()), 1, 0, 0, 0));
        assertThat(store.message(b.message().messageId())).isEmpty();
        assertThat(store.conversation(a.message().conversationId())
                        .orElseThrow()
                        .messageCount())
                .isEqualTo(1);
        assertThat(eventTypes(a.message().conversationId()))
                .containsExactly(ChangeEvent.CONVERSATION_CREATED, ChangeEvent.MESSAGE_RECEIVED);
    }

    @Test
    void sameCustomerOverWhatsAppAndSmsIsOneConversation() {
        String phone = phone();
        Instant first = now().minusSeconds(60);
        Instant second = now();
        var overWhatsApp = inbound(CarrierType.WHATSAPP, carrierId(), Sender.phone(phone, "Bo"), first, text("a"));
        var overSms = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), second, text("b"));

        store.commit(batch(overWhatsApp));
        store.commit(batch(overSms));

        String conversationId = new ConversationKey(phone).conversationId();
        assertThat(overWhatsApp.message().conversationId()).isEqualTo(conversationId);
        Conversation conversation = store.conversation(conversationId).orElseThrow();
        assertThat(conversation.participants()).containsExactly(phone);
        assertThat(conversation.carrier()).isEqualTo(CarrierType.TWILIO);
        assertThat(conversation.state()).isEqualTo(Conversation.OPEN);
        assertThat(conversation.createdAt()).isEqualTo(first);
        assertThat(conversation.lastMessageAt()).isEqualTo(second);
        assertThat(conversation.messageCount()).isEqualTo(2);
        assertThat(conversation.metadata()).isEmpty();
        assertThat(store.conversationMessages(conversationId, new PageRequest(10, null)).items().stream()
                        .map(Message::carrier))
                .containsExactly(CarrierType.WHATSAPP, CarrierType.TWILIO);
        assertThat(store.conversations(phone, new PageRequest(10, null)).items())
                .containsExactly(conversation);
        assertThat(eventTypes(conversationId))
                .containsExactly(
                        ChangeEvent.CONVERSATION_CREATED, ChangeEvent.MESSAGE_RECEIVED, ChangeEvent.MESSAGE_RECEIVED);
    }

    @Test
    void olderMessageArrivingLateKeepsLastActivityAndCarrier() {
        String phone = phone();
        var recent = inbound(CarrierType.WHATSAPP, carrierId(), Sender.phone(phone, null), now(), text("new"));
        var older = inbound(
                CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now().minusSeconds(300), text("old"));

        store.commit(batch(recent));
        store.commit(batch(older));

        Conversation conversation =
                store.conversation(recent.message().conversationId()).orElseThrow();
        assertThat(conversation.lastMessageAt())
                .isEqualTo(recent.message().metadata().receivedAt());
        assertThat(conversation.carrier()).isEqualTo(CarrierType.WHATSAPP);
        assertThat(conversation.messageCount()).isEqualTo(2);
    }

    @Test
    void liveChatCustomerKeyedByCarrierId() {
        String visitor = "visitor-" + ThreadLocalRandom.current().nextLong(1L << 40);
        var item = inbound(CarrierType.LIVECHAT, carrierId(), new Sender(null, visitor, "Cy"), now(), text("help"));

        store.commit(batch(item));

        Message stored = store.message(item.message().messageId()).orElseThrow();
        assertThat(stored.sender()).isEqualTo(visitor);
        assertThat(stored.conversationId()).isEqualTo(new ConversationKey("livechat:" + visitor).conversationId());
        assertThat(store.conversation(stored.conversationId()).orElseThrow().participants())
                .containsExactly("livechat:" + visitor);
    }

    @Test
    void whatsAppUserIdJoinsThePhonesConversationOnceMetaRevealsIt() {
        String phone = phone();
        String userId = "US." + ThreadLocalRandom.current().nextLong(1L << 50);
        Instant first = now().minusSeconds(120);
        var byUserId =
                inbound(CarrierType.WHATSAPP, carrierId(), new Sender(null, userId, "Di", userId), first, text("hi"));
        store.commit(batch(byUserId));
        String userConversation = new ConversationKey("whatsapp-user:" + userId).conversationId();
        assertThat(byUserId.message().conversationId()).isEqualTo(userConversation);
        assertThat(store.message(byUserId.message().messageId()).orElseThrow().sender())
                .isEqualTo("whatsapp-user:" + userId);
        // an STOP sent while known by the user id holds for the phone too once they are joined
        store.commit(batch(inbound(
                CarrierType.WHATSAPP, carrierId(), new Sender(null, userId, "Di", userId), first, text("STOP"))));

        var withPhone = inbound(
                CarrierType.WHATSAPP,
                carrierId(),
                new Sender(phone, phone.substring(1), "Di", userId),
                now(),
                text("b"));
        assertThat(withPhone.alias()).isEqualTo(new ConversationKey("whatsapp-user:" + userId));
        store.commit(batch(withPhone));

        String phoneConversation = new ConversationKey(phone).conversationId();
        assertThat(store.conversation(userConversation)).isEmpty();
        Conversation joined = store.conversation(phoneConversation).orElseThrow();
        assertThat(joined.messageCount()).isEqualTo(3);
        assertThat(joined.createdAt()).isEqualTo(first);
        assertThat(store.conversationMessages(phoneConversation, new PageRequest(10, null)).items().stream()
                        .map(m -> m.content().body()))
                .containsExactly("hi", "STOP", "b");
        assertThat(eventTypes(phoneConversation)).contains(ChangeEvent.CONVERSATION_MERGED);
        assertThat(optedOutChannels(phone)).containsExactly("whatsapp");

        // later, the user id alone again: the message joins the phone's conversation, none is re-created
        var again =
                inbound(CarrierType.WHATSAPP, carrierId(), new Sender(null, userId, "Di", userId), now(), text("c"));
        store.commit(batch(again));
        assertThat(store.message(again.message().messageId()).orElseThrow().conversationId())
                .isEqualTo(phoneConversation);
        assertThat(store.conversation(userConversation)).isEmpty();
        assertThat(store.conversation(phoneConversation).orElseThrow().messageCount())
                .isEqualTo(4);
    }

    @Test
    void groupMessagesAreTheirOwnConversationAndTheirKeywordsOptNobodyOut() {
        String phone = phone();
        String group = "g" + ThreadLocalRandom.current().nextLong(1L << 40);
        var inGroup = inGroup(
                inbound(CarrierType.WHATSAPP, carrierId(), Sender.phone(phone, "Em"), now(), text("STOP")), group);
        store.commit(batch(inGroup));

        Message stored = store.message(inGroup.message().messageId()).orElseThrow();
        assertThat(stored.conversationId())
                .isEqualTo(ConversationKey.group(CarrierType.WHATSAPP, group).conversationId())
                .isNotEqualTo(new ConversationKey(phone).conversationId());
        assertThat(stored.metadata().group()).isEqualTo(group);
        assertThat(optedOutChannels(phone)).isEmpty();
    }

    @Test
    void anInboundMessageKeepsTheTraceOfItsWebhook() {
        String traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var item = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone(), null), now(), text("hi"));
        store.commit(batch(amended(item, item.conversation(), null, traceParent)));

        assertThat(store.message(item.message().messageId())
                        .orElseThrow()
                        .metadata()
                        .traceParent())
                .isEqualTo(traceParent);
    }

    private static InboundBatch.NewMessage inGroup(InboundBatch.NewMessage item, String group) {
        MessageMetadata d = item.message().metadata();
        return amended(item, ConversationKey.group(d.carrier(), group), group, null);
    }

    /** {@code item} in conversation {@code key}, written in {@code group} and with {@code traceParent}. */
    private static InboundBatch.NewMessage amended(
            InboundBatch.NewMessage item, ConversationKey key, String group, String traceParent) {
        return amended(item, key, group, traceParent, item.message().metadata().originalPayload());
    }

    /** As {@link #amended(InboundBatch.NewMessage, ConversationKey, String, String)}, carrying {@code payload}. */
    protected static InboundBatch.NewMessage amended(
            InboundBatch.NewMessage item,
            ConversationKey key,
            String group,
            String traceParent,
            com.fasterxml.jackson.databind.JsonNode payload) {
        NormalizedMessage m = item.message();
        MessageMetadata d = m.metadata();
        var metadata = new MessageMetadata(
                d.carrier(),
                d.account(),
                d.carrierMessageId(),
                d.sentAt(),
                d.replyTo(),
                d.receivedAt(),
                d.processedAt(),
                payload,
                null,
                group,
                traceParent);
        return new InboundBatch.NewMessage(
                new NormalizedMessage(
                        m.messageId(),
                        key.conversationId(),
                        m.direction(),
                        m.sender(),
                        m.recipient(),
                        m.content(),
                        metadata),
                key);
    }

    @Test
    void oneTimeTokenSeenThroughOneGuardIsRefusedThroughAnotherUntilItExpires() {
        // two guards over one database stand for two nodes: whatever they share is in the database
        var nodeA = replayGuard(Clock.systemUTC());
        var nodeB = replayGuard(Clock.systemUTC());
        String jti = UUID.randomUUID().toString();
        Instant later = now().plusSeconds(600);
        assertThat(nodeA.firstUse("messagebird:default", jti, later)).isTrue();
        assertThat(nodeB.firstUse("messagebird:default", jti, later)).isFalse();
        assertThat(nodeA.firstUse("messagebird:default", jti, later)).isFalse();
        assertThat(nodeB.firstUse("messagebird:eu", jti, later))
                .as("another account's scope")
                .isTrue();

        String expired = UUID.randomUUID().toString();
        assertThat(nodeA.firstUse("messagebird:default", expired, now().minusSeconds(1)))
                .isTrue();
        assertThat(nodeB.firstUse("messagebird:default", expired, later))
                .as("expired: may be used anew")
                .isTrue();
        assertThat(nodeA.firstUse("messagebird:default", "x".repeat(5_000), later))
                .as("any length")
                .isTrue();
    }

    // ---- statuses ----------------------------------------------------------------------------------

    @Test
    void statusesAdvanceAnOutboundMessageAndRecordEachStep() {
        var sent = outbound(CarrierType.TWILIO);
        store.commit(batch(sent));
        String cmid = sent.message().metadata().carrierMessageId();
        Instant t0 = now();

        CommitResult result = store.commit(statuses(
                status(CarrierType.TWILIO, cmid, MessageStatus.SENT, "sent", t0),
                status(CarrierType.TWILIO, cmid, MessageStatus.DELIVERED, "delivered", t0.plusSeconds(1)),
                status(CarrierType.TWILIO, cmid, MessageStatus.READ, "read", t0.plusSeconds(2))));

        assertThat(result).isEqualTo(new CommitResult(List.of(), 0, 3, 0, 0));
        Message stored = store.message(sent.message().messageId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(MessageStatus.READ);
        assertThat(stored.timestamps().sent()).isEqualTo(t0);
        assertThat(stored.timestamps().delivered()).isEqualTo(t0.plusSeconds(1));
        assertThat(stored.timestamps().read()).isEqualTo(t0.plusSeconds(2));
        assertThat(stored.statusHistory())
                .extracting(StatusChange::status)
                .containsExactly(MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ);
        assertThat(statusEvents(sent))
                .extracting(e -> e.get("status").asText())
                .containsExactly("sent", "delivered", "read");
    }

    @Test
    void lateSentNeverMovesDeliveredBack() {
        var sent = outbound(CarrierType.BANDWIDTH);
        store.commit(batch(sent));
        String cmid = sent.message().metadata().carrierMessageId();
        Instant t0 = now().plusSeconds(10);

        store.commit(statuses(status(CarrierType.BANDWIDTH, cmid, MessageStatus.DELIVERED, "delivered", t0)));
        CommitResult late = store.commit(
                statuses(status(CarrierType.BANDWIDTH, cmid, MessageStatus.SENT, "sent", t0.minusSeconds(1))));

        assertThat(late.statusesApplied()).isEqualTo(1);
        Message stored = store.message(sent.message().messageId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(MessageStatus.DELIVERED);
        assertThat(stored.timestamps().sent()).isEqualTo(t0.minusSeconds(1));
        // history is in the order things happened at the carrier, not the order we heard of them
        assertThat(stored.statusHistory())
                .extracting(StatusChange::status)
                .containsExactly(MessageStatus.QUEUED, MessageStatus.SENT, MessageStatus.DELIVERED);
        assertThat(statusEvents(sent)).extracting(e -> e.get("status").asText()).containsExactly("delivered");
    }

    @Test
    void deliveredAfterFailedWins() {
        var sent = outbound(CarrierType.MESSAGEBIRD);
        store.commit(batch(sent));
        String cmid = sent.message().metadata().carrierMessageId();
        Instant t0 = now();
        StatusUpdate failed = new StatusUpdate(
                CarrierType.MESSAGEBIRD,
                "default",
                cmid,
                MessageStatus.FAILED,
                "delivery_failed",
                "104",
                "Unknown subscriber",
                t0,
                null,
                null);

        store.commit(statuses(failed));
        Message afterFailure = store.message(sent.message().messageId()).orElseThrow();
        store.commit(statuses(
                status(CarrierType.MESSAGEBIRD, cmid, MessageStatus.DELIVERED, "delivered", t0.plusSeconds(5))));

        assertThat(afterFailure.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(afterFailure.error()).isEqualTo(new Message.MessageError("104", "Unknown subscriber"));
        Message stored = store.message(sent.message().messageId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(MessageStatus.DELIVERED);
        assertThat(stored.timestamps().delivered()).isEqualTo(t0.plusSeconds(5));
        assertThat(stored.statusHistory())
                .containsExactly(
                        stored.statusHistory().getFirst(),
                        new StatusChange(MessageStatus.FAILED, t0, "delivery_failed", "104"),
                        new StatusChange(MessageStatus.DELIVERED, t0.plusSeconds(5), "delivered", null));
    }

    @Test
    void failedAfterDeliveredIsHistoryOnly() {
        var sent = outbound(CarrierType.INTELIQUENT);
        store.commit(batch(sent));
        String cmid = sent.message().metadata().carrierMessageId();
        Instant t0 = now();

        store.commit(statuses(status(CarrierType.INTELIQUENT, cmid, MessageStatus.DELIVERED, "DELIVRD", t0)));
        CommitResult late = store.commit(statuses(new StatusUpdate(
                CarrierType.INTELIQUENT,
                "default",
                cmid,
                MessageStatus.FAILED,
                "UNDELIV",
                "1",
                "x",
                t0.plusSeconds(1),
                null,
                null)));

        assertThat(late.statusesApplied()).isEqualTo(1);
        Message stored = store.message(sent.message().messageId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(MessageStatus.DELIVERED);
        assertThat(stored.error()).isNull();
        assertThat(stored.statusHistory())
                .extracting(StatusChange::carrierStatus)
                .endsWith("DELIVRD", "UNDELIV");
    }

    @Test
    void repeatedStatusStoredOnce() {
        var sent = outbound(CarrierType.WHATSAPP);
        store.commit(batch(sent));
        String cmid = sent.message().metadata().carrierMessageId();
        StatusUpdate delivered = status(CarrierType.WHATSAPP, cmid, MessageStatus.DELIVERED, "delivered", now());

        CommitResult first = store.commit(statuses(delivered));
        CommitResult repeat = store.commit(statuses(delivered));

        assertThat(first).isEqualTo(new CommitResult(List.of(), 0, 1, 0, 0));
        assertThat(repeat).isEqualTo(new CommitResult(List.of(), 0, 0, 0, 1));
        assertThat(store.message(sent.message().messageId()).orElseThrow().statusHistory())
                .hasSize(2);
        assertThat(statusEvents(sent)).hasSize(1);
    }

    @Test
    void unmatchedStatusAppliedWhenMessageArrives() {
        var sent = outbound(CarrierType.TWILIO);
        String cmid = sent.message().metadata().carrierMessageId();
        Instant t0 = now();
        StatusUpdate delivered = status(CarrierType.TWILIO, cmid, MessageStatus.DELIVERED, "delivered", t0);

        CommitResult early = store.commit(statuses(delivered));
        CommitResult repeatedEarly = store.commit(statuses(delivered));
        CommitResult arrival = store.commit(batch(sent));

        assertThat(early).isEqualTo(new CommitResult(List.of(), 0, 0, 1, 0));
        assertThat(repeatedEarly).isEqualTo(new CommitResult(List.of(), 0, 0, 0, 1));
        assertThat(arrival.storedMessageIds()).containsExactly(sent.message().messageId());
        Message stored = store.message(sent.message().messageId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(MessageStatus.DELIVERED);
        assertThat(stored.timestamps().delivered()).isEqualTo(t0);
        assertThat(stored.statusHistory())
                .extracting(StatusChange::status)
                .containsExactly(MessageStatus.QUEUED, MessageStatus.DELIVERED);
        assertThat(statusEvents(sent))
                .extracting(e ->
                        e.get("previousStatus").asText() + ">" + e.get("status").asText())
                .containsExactly("queued>delivered");
    }

    @Test
    void statusForAMessageOfTheSameWebhookApplies() {
        var sent = outbound(CarrierType.BANDWIDTH);
        String cmid = sent.message().metadata().carrierMessageId();

        CommitResult result = store.commit(new InboundBatch(
                List.of(sent), List.of(status(CarrierType.BANDWIDTH, cmid, MessageStatus.SENT, "sending", now()))));

        assertThat(result.statusesApplied()).isEqualTo(1);
        assertThat(store.message(sent.message().messageId()).orElseThrow().status())
                .isEqualTo(MessageStatus.SENT);
    }

    @Test
    void readReceiptOfAnInboundMessageMarksItRead() {
        String phone = phone();
        var item = inbound(CarrierType.LIVECHAT, carrierId(), Sender.phone(phone, null), now(), text("q"));
        store.commit(batch(item));
        String cmid = item.message().metadata().carrierMessageId();

        store.commit(statuses(status(CarrierType.LIVECHAT, cmid, MessageStatus.SENT, "sent", now())));
        store.commit(statuses(status(CarrierType.LIVECHAT, cmid, MessageStatus.READ, "seen", now())));

        assertThat(store.message(item.message().messageId()).orElseThrow().status())
                .isEqualTo(MessageStatus.READ);
    }

    @Test
    void changeEventsWrittenWithTheMessage() throws Exception {
        String phone = phone();
        var item = inbound(CarrierType.WHATSAPP, carrierId(), Sender.phone(phone, null), now(), text("hello"));

        store.commit(batch(item));

        String messageId = item.message().messageId();
        String conversationId = item.message().conversationId();
        List<JsonNode> events = new ArrayList<>();
        for (WrittenEvent written : changeEvents(conversationId)) {
            var event = Json.MAPPER.createObjectNode();
            event.put("type", written.type());
            event.put("eventId", written.eventId().toString());
            event.put("messageId", written.messageId());
            event.set("payload", written.payload());
            events.add(event);
        }
        assertThat(events).hasSize(2);
        assertThat(events.get(0).get("type").asText()).isEqualTo("conversation.created");
        assertThat(events.get(0).at("/payload/participant").asText()).isEqualTo(phone);
        assertThat(events.get(0).at("/payload/carrier").asText()).isEqualTo("whatsapp");
        assertThat(events.get(1).get("type").asText()).isEqualTo("message.received");
        assertThat(events.get(1).get("messageId").asText()).isEqualTo(messageId);
        assertThat(events.get(1).at("/payload/messageId").asText()).isEqualTo(messageId);
        assertThat(events.get(1).at("/payload/conversationId").asText()).isEqualTo(conversationId);
        assertThat(events.get(1).at("/payload/direction").asText()).isEqualTo("inbound");
        assertThat(events.get(0).get("eventId").asText())
                .isNotEqualTo(events.get(1).get("eventId").asText());
    }

    // ---- group commit ------------------------------------------------------------------------------

    @Test
    void concurrentCommitsAreAllDurable() throws Exception {
        int threads = 200;
        int commitsPerThread = 5;
        List<String> customers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            customers.add(phone());
        }
        ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicInteger duplicatesSeen = new AtomicInteger();
        long started = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                pool.submit(() -> {
                    for (int c = 0; c < commitsPerThread; c++) {
                        String phone = customers.get((thread * commitsPerThread + c) % customers.size());
                        String cmid = "conc-" + thread + "-" + c + "-" + carrierId();
                        var item = inbound(CarrierType.TWILIO, cmid, Sender.phone(phone, null), now(), text("m"));
                        CommitResult result = store.commit(batch(item));
                        acknowledged.addAll(result.storedMessageIds());
                        // every tenth webhook is retried by the carrier
                        if (c == 0 && thread % 10 == 0) {
                            var retry = inbound(CarrierType.TWILIO, cmid, Sender.phone(phone, null), now(), text("m"));
                            duplicatesSeen.addAndGet(store.commit(batch(retry)).duplicateMessages());
                        }
                    }
                    return null;
                });
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int commits = threads * commitsPerThread + threads / 10;
        System.out.printf(
                "%s: %d commits from %d virtual threads in %.2f s = %.0f commits/s%n",
                getClass().getSimpleName(), commits, threads, seconds, commits / seconds);

        assertThat(acknowledged).hasSize(threads * commitsPerThread).doesNotHaveDuplicates();
        assertThat(duplicatesSeen.get()).isEqualTo(threads / 10);
        for (String messageId : acknowledged) {
            assertThat(store.message(messageId)).as(messageId).isPresent();
        }
        long total = 0;
        for (String phone : customers) {
            Conversation conversation = store.conversation(new ConversationKey(phone).conversationId())
                    .orElseThrow();
            total += conversation.messageCount();
            assertThat(conversation.messageCount()).isEqualTo(threads * commitsPerThread / customers.size());
        }
        assertThat(total).isEqualTo(threads * commitsPerThread);
    }

    @Test
    void badBatchFailsItsCallerWithNothingStored() {
        String phone = phone();
        var good = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("ok"));
        var bad = inbound(CarrierType.TWILIO, "y".repeat(300), Sender.phone(phone, null), now(), text("secret body"));

        assertThatThrownBy(() -> store.commit(new InboundBatch(List.of(good, bad), List.of())))
                .isInstanceOf(StorageException.class)
                // the database quotes refused rows; what callers log must not carry bodies or numbers
                .satisfies(failure -> assertThat(stackTraceText(failure))
                        .doesNotContain(phone)
                        .doesNotContain("yyyyyyyyyy")
                        .doesNotContain("secret body"));

        assertThat(store.message(good.message().messageId())).isEmpty();
        assertThat(store.conversation(good.message().conversationId())).isEmpty();
    }

    // ---- queries -----------------------------------------------------------------------------------

    @Test
    void paginationWalksBothIndexesWithoutGapsOrDuplicates() {
        // far in the future, so no other test's messages fall in these listings
        Instant base = Instant.parse("2090-01-01T00:00:00Z")
                .plus(ThreadLocalRandom.current().nextInt(1_000_000), ChronoUnit.MINUTES);
        String phone = phone();
        List<String> expected = new ArrayList<>();
        List<InboundBatch.NewMessage> items = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            // pairs share a timestamp, so the id must break ties
            var item = inbound(
                    CarrierType.INTELIQUENT,
                    carrierId(),
                    Sender.phone(phone, null),
                    base.plusSeconds(i / 2),
                    text("n" + i));
            items.add(item);
        }
        items.stream()
                .sorted((a, b) -> {
                    int byTime = a.message()
                            .metadata()
                            .receivedAt()
                            .compareTo(b.message().metadata().receivedAt());
                    return byTime != 0
                            ? byTime
                            : a.message().messageId().compareTo(b.message().messageId());
                })
                .forEach(item -> expected.add(item.message().messageId()));
        // stored in an order unlike the listing order
        for (int i = items.size() - 1; i >= 0; i--) {
            store.commit(batch(items.get(i)));
        }

        List<String> byCarrier = walk(
                5, request -> store.messagesByCarrier(CarrierType.INTELIQUENT, base, base.plusSeconds(3600), request));
        List<String> byStatus =
                walk(5, request -> store.messagesByStatus(MessageStatus.RECEIVED, base.minusNanos(1000), request));
        List<String> byConversation = walk(
                4,
                request -> store.conversationMessages(items.getFirst().message().conversationId(), request));
        List<String> window = walk(
                3,
                request -> store.messagesByCarrier(
                        CarrierType.INTELIQUENT, base.plusSeconds(2), base.plusSeconds(5), request));

        assertThat(byCarrier).isEqualTo(expected);
        assertThat(byStatus).isEqualTo(expected);
        assertThat(byConversation).isEqualTo(expected);
        assertThat(window).isEqualTo(expected.subList(4, 10));
        assertThat(store.messagesByStatus(MessageStatus.RECEIVED, base.plusSeconds(11), new PageRequest(5, null))
                        .items())
                .isEmpty();
    }

    @Test
    void conversationsListNewestActivityFirstAcrossPages() {
        // in the future but before the pagination test's window
        Instant base = Instant.parse("2080-01-01T00:00:00Z")
                .plus(ThreadLocalRandom.current().nextInt(1_000_000), ChronoUnit.MINUTES);
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            var item = inbound(
                    CarrierType.WHATSAPP, carrierId(), Sender.phone(phone(), null), base.plusSeconds(i), text("c"));
            store.commit(batch(item));
            newestFirst.addFirst(item.message().conversationId());
        }

        List<String> listed = new ArrayList<>();
        String cursor = null;
        do {
            Page<Conversation> page = store.conversations(null, new PageRequest(5, cursor));
            page.items().forEach(c -> listed.add(c.conversationId()));
            cursor = page.nextCursor();
        } while (cursor != null);

        assertThat(listed).doesNotHaveDuplicates();
        assertThat(listed.stream().filter(newestFirst::contains)).containsExactlyElementsOf(newestFirst);
        List<Instant> activity = listed.stream()
                .map(id -> store.conversation(id).orElseThrow().lastMessageAt())
                .toList();
        assertThat(activity).isSortedAccordingTo(Comparator.reverseOrder());
    }

    @Test
    void tamperedCursorRefused() {
        String phone = phone();
        for (int i = 0; i < 3; i++) {
            store.commit(
                    batch(inbound(CarrierType.LIVECHAT, carrierId(), Sender.phone(phone, null), now(), text("t"))));
        }
        String conversationId = new ConversationKey(phone).conversationId();
        String cursor = store.conversationMessages(conversationId, new PageRequest(1, null))
                .nextCursor();
        assertThat(cursor).isNotNull();
        char flipped = cursor.charAt(3) == 'A' ? 'B' : 'A';
        String tampered = cursor.substring(0, 3) + flipped + cursor.substring(4);

        assertThat(store.conversationMessages(conversationId, new PageRequest(1, cursor))
                        .items())
                .hasSize(1);
        assertThatThrownBy(() -> store.conversationMessages(conversationId, new PageRequest(1, tampered)))
                .isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> store.conversationMessages(
                        conversationId, new PageRequest(1, cursor.substring(0, cursor.length() - 2))))
                .isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> store.conversationMessages(conversationId, new PageRequest(1, "not a cursor")))
                .isInstanceOf(InvalidCursorException.class);
        String otherConversation = new ConversationKey(phone()).conversationId();
        assertThatThrownBy(() -> store.conversationMessages(otherConversation, new PageRequest(1, cursor)))
                .isInstanceOf(InvalidCursorException.class);
        assertThatThrownBy(() -> store.messagesByStatus(MessageStatus.RECEIVED, null, new PageRequest(1, cursor)))
                .isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void readyWhenTheDatabaseAnswers() {
        assertThat(ready()).isTrue();
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static String stackTraceText(Throwable failure) {
        var text = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(text));
        return text.toString();
    }

    protected static List<String> walk(int pageSize, Function<PageRequest, Page<Message>> listing) {
        List<String> ids = new ArrayList<>();
        Set<String> cursors = new HashSet<>();
        String cursor = null;
        do {
            Page<Message> page = listing.apply(new PageRequest(pageSize, cursor));
            assertThat(page.items().size()).isLessThanOrEqualTo(pageSize);
            page.items().forEach(m -> ids.add(m.messageId()));
            cursor = page.nextCursor();
            assertThat(cursor == null || cursors.add(cursor)).isTrue();
        } while (cursor != null);
        return ids;
    }

    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    public static String phone() {
        return "+1555" + (1_000_000 + ThreadLocalRandom.current().nextInt(9_000_000));
    }

    public static String carrierId() {
        return "cm-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    public static MessageContent text(String body) {
        return new MessageContent.Text(body);
    }

    public static InboundBatch batch(InboundBatch.NewMessage... messages) {
        return new InboundBatch(List.of(messages), List.of());
    }

    public static InboundBatch statuses(StatusUpdate... updates) {
        return new InboundBatch(List.of(), List.of(updates));
    }

    public static InboundBatch.NewMessage inbound(
            CarrierType carrier, String carrierMessageId, Sender sender, Instant receivedAt, MessageContent content) {
        ConversationKey key = ConversationKey.of(carrier, sender);
        JsonNode payload = Json.MAPPER.createObjectNode().put("id", carrierMessageId);
        var metadata = new MessageMetadata(
                carrier, "default", carrierMessageId, null, null, receivedAt, receivedAt.plusMillis(1), payload);
        var message = new NormalizedMessage(
                MessageIds.next(Clock.systemUTC()),
                key.conversationId(),
                Direction.INBOUND,
                sender,
                "+14155550199",
                content,
                metadata);
        return new InboundBatch.NewMessage(
                message, key, ConversationKey.alias(sender).orElse(null));
    }

    /** A message we sent through a carrier (a business echo), stored queued with its carrier id. */
    public static InboundBatch.NewMessage outbound(CarrierType carrier) {
        String customer = phone();
        ConversationKey key = new ConversationKey(customer);
        String carrierMessageId = carrierId();
        Instant at = now();
        var metadata = new MessageMetadata(carrier, "default", carrierMessageId, null, null, at, at, null);
        var message = new NormalizedMessage(
                MessageIds.next(Clock.systemUTC()),
                key.conversationId(),
                Direction.OUTBOUND,
                Sender.phone("+14155550199", null),
                customer,
                text("your code is 1234"),
                metadata);
        return new InboundBatch.NewMessage(message, key);
    }

    public static StatusUpdate status(
            CarrierType carrier, String carrierMessageId, MessageStatus status, String carrierStatus, Instant at) {
        return new StatusUpdate(
                carrier, "default", carrierMessageId, status, carrierStatus, null, null, at, null, null);
    }

    private List<String> eventTypes(String conversationId) {
        return changeEvents(conversationId).stream().map(WrittenEvent::type).toList();
    }

    private List<JsonNode> statusEvents(InboundBatch.NewMessage item) {
        return changeEvents(item.message().conversationId()).stream()
                .filter(e -> ChangeEvent.MESSAGE_STATUS.equals(e.type())
                        && item.message().messageId().equals(e.messageId()))
                .map(WrittenEvent::payload)
                .toList();
    }
}
