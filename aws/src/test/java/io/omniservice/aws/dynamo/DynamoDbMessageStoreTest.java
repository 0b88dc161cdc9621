package io.omniservice.aws.dynamo;

import static io.omniservice.store.contract.MessageStoreContract.batch;
import static io.omniservice.store.contract.MessageStoreContract.carrierId;
import static io.omniservice.store.contract.MessageStoreContract.inbound;
import static io.omniservice.store.contract.MessageStoreContract.now;
import static io.omniservice.store.contract.MessageStoreContract.outbound;
import static io.omniservice.store.contract.MessageStoreContract.phone;
import static io.omniservice.store.contract.MessageStoreContract.status;
import static io.omniservice.store.contract.MessageStoreContract.statuses;
import static io.omniservice.store.contract.MessageStoreContract.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.aws.dynamo.Tables.Deliveries;
import io.omniservice.aws.dynamo.Tables.Keys;
import io.omniservice.aws.dynamo.Tables.Messages;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.Sender;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.PageRequest;
import io.omniservice.core.store.StorageException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the DynamoDB store must do that the contract does not ask of every store: DynamoDB's transaction limits,
 * and facts that change between a commit's reads and its write (another node's commit), on the http4k fake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbMessageStoreTest {
    private FakeDynamo dynamo;
    private Tables tables;
    private DynamoDbMessageStore store;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
        tables = new Tables(FakeDynamo.uniquePrefix("store"));
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        store = new DynamoDbMessageStore(dynamo.client(), tables, Clock.systemUTC());
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    @Test
    void aBatchTooBigForOneTransactionIsCommittedInWholeMessagesAndItsRepeatStoresNothing() {
        List<InboundBatch.NewMessage> items = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            items.add(inbound(CarrierType.WHATSAPP, carrierId(), Sender.phone(phone(), null), now(), text("m" + i)));
        }
        // each new customer's message is 7 writes: 210, where a transaction holds 100
        InboundBatch webhook = new InboundBatch(items, List.of());

        CommitResult first = store.commit(webhook);
        CommitResult repeat = store.commit(webhook);

        assertThat(first.storedMessageIds())
                .containsExactlyElementsOf(
                        items.stream().map(m -> m.message().messageId()).toList());
        assertThat(repeat).isEqualTo(new CommitResult(List.of(), 30, 0, 0, 0));
        for (InboundBatch.NewMessage item : items) {
            assertThat(store.message(item.message().messageId())).isPresent();
            assertThat(store.conversation(item.message().conversationId())
                            .orElseThrow()
                            .messageCount())
                    .isEqualTo(1);
        }
    }

    @Test
    void aMessageLargerThanOneItemIsRefusedBeforeAnythingOfItsBatchIsWritten() {
        String phone = phone();
        var fits = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("fits"));
        var huge =
                inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("x".repeat(450_000)));

        assertThatThrownBy(() -> store.commit(new InboundBatch(List.of(fits, huge), List.of())))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(huge.message().messageId())
                .hasMessageContaining("400 KB");

        assertThat(store.message(fits.message().messageId())).isEmpty();
        assertThat(store.conversation(fits.message().conversationId())).isEmpty();
    }

    @Test
    void aStatusCommittedBetweenAMessagesReadsAndItsWriteIsAppliedToIt() {
        var sent = outbound(CarrierType.TWILIO);
        String carrierMessageId = sent.message().metadata().carrierMessageId();
        DynamoDbMessageStore racing = storeWithBeforeFirstWrite(() -> assertThat(store.commit(statuses(
                        status(CarrierType.TWILIO, carrierMessageId, MessageStatus.DELIVERED, "delivered", now()))))
                .isEqualTo(new CommitResult(List.of(), 0, 0, 1, 0)));

        CommitResult arrival = racing.commit(batch(sent));

        assertThat(arrival.storedMessageIds()).containsExactly(sent.message().messageId());
        Message stored = store.message(sent.message().messageId()).orElseThrow();
        assertThat(stored.status()).isEqualTo(MessageStatus.DELIVERED);
    }

    @Test
    void aMessageAnotherNodeCountsIntoTheConversationMeanwhileIsNotLost() {
        String phone = phone();
        store.commit(batch(inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("1"))));
        DynamoDbMessageStore racing = storeWithBeforeFirstWrite(() -> store.commit(
                batch(inbound(CarrierType.WHATSAPP, carrierId(), Sender.phone(phone, null), now(), text("2")))));

        racing.commit(batch(inbound(
                CarrierType.BANDWIDTH, carrierId(), Sender.phone(phone, null), now().plusSeconds(1), text("3"))));

        var conversation =
                store.conversation(new ConversationKey(phone).conversationId()).orElseThrow();
        assertThat(conversation.messageCount()).isEqualTo(3);
        assertThat(conversation.carrier()).isEqualTo(CarrierType.BANDWIDTH);
    }

    @Test
    void twoNodesCreatingOneConversationAtOnceCountBothMessagesAndAnnounceItOnce() {
        String phone = phone();
        DynamoDbMessageStore racing = storeWithBeforeFirstWrite(() -> store.commit(
                batch(inbound(CarrierType.WHATSAPP, carrierId(), Sender.phone(phone, null), now(), text("first")))));

        racing.commit(
                batch(inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone, null), now(), text("second"))));

        String conversationId = new ConversationKey(phone).conversationId();
        assertThat(store.conversation(conversationId).orElseThrow().messageCount())
                .isEqualTo(2);
        assertThat(new Reads(dynamo.client())
                                .queryAll(software.amazon.awssdk.services.dynamodb.model.QueryRequest.builder()
                                        .tableName(tables.name(Tables.CHANGE_EVENTS))
                                        .keyConditionExpression("#c = :c")
                                        .expressionAttributeNames(Map.of("#c", Tables.ChangeEvents.CONVERSATION_ID))
                                        .expressionAttributeValues(Map.of(":c", AttributeValue.fromS(conversationId)))
                                        .consistentRead(true)
                                        .build())
                                .stream()
                                .filter(e -> e.containsKey(Tables.ChangeEvents.TYPE))
                                .map(e -> e.get(Tables.ChangeEvents.TYPE).s()))
                .containsExactly("conversation.created", "message.received", "message.received");
    }

    @Test
    void aJoinOfAConversationBiggerThanOneTransactionMovesEveryMessage() {
        String phone = phone();
        String userId = "US." + ThreadLocalRandom.current().nextLong(1L << 50);
        Sender byUserId = new Sender(null, userId, "Di", userId);
        List<String> ids = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            List<InboundBatch.NewMessage> items = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                var item = inbound(
                        CarrierType.WHATSAPP,
                        carrierId(),
                        byUserId,
                        now().minusSeconds(600 - round * 10 - i),
                        text("u"));
                items.add(item);
                ids.add(item.message().messageId());
            }
            store.commit(new InboundBatch(items, List.of()));
        }
        String userConversation = new ConversationKey("whatsapp-user:" + userId).conversationId();
        assertThat(store.conversation(userConversation).orElseThrow().messageCount())
                .isEqualTo(45);

        var revealing = inbound(
                CarrierType.WHATSAPP,
                carrierId(),
                new Sender(phone, phone.substring(1), "Di", userId),
                now(),
                text("p"));
        store.commit(batch(revealing));
        ids.add(revealing.message().messageId());

        String phoneConversation = new ConversationKey(phone).conversationId();
        assertThat(store.conversation(userConversation)).isEmpty();
        assertThat(store.conversation(phoneConversation).orElseThrow().messageCount())
                .isEqualTo(46);
        assertThat(store.conversationMessages(phoneConversation, new PageRequest(100, null))
                        .items())
                .extracting(Message::messageId)
                .containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            assertThat(store.message(id).orElseThrow().conversationId()).isEqualTo(phoneConversation);
        }
    }

    @Test
    void aStatusChangeOfAMessageWithACallbackUrlQueuesItsDeliveryInTheSameCommit() {
        var sent = outbound(CarrierType.TWILIO);
        store.commit(batch(sent));
        String messageId = sent.message().messageId();
        // the outbound store keeps the URL a send request named on the message
        Map<String, AttributeValue> where = dynamo.client()
                .getItem(r -> r.tableName(tables.name(Tables.KEYS))
                        .key(CommitPlanner.key(Keys.message(messageId)))
                        .consistentRead(true))
                .item();
        dynamo.client().updateItem(r -> r.tableName(tables.name(Tables.MESSAGES))
                .key(Map.of(
                        Messages.CONVERSATION_ID, where.get(Keys.CONVERSATION_ID),
                        Messages.MESSAGE_KEY, where.get(Keys.MESSAGE_KEY)))
                .updateExpression("SET #u = :u")
                .expressionAttributeNames(Map.of("#u", Messages.CALLBACK_URL))
                .expressionAttributeValues(Map.of(":u", AttributeValue.fromS("https://example.com/cb"))));

        store.commit(statuses(status(
                CarrierType.TWILIO,
                sent.message().metadata().carrierMessageId(),
                MessageStatus.DELIVERED,
                "delivered",
                now())));

        var deliveries = new Reads(dynamo.client())
                .queryAll(software.amazon.awssdk.services.dynamodb.model.QueryRequest.builder()
                        .tableName(tables.name(Tables.DELIVERIES))
                        .keyConditionExpression("#o = :o AND #s > :head")
                        .expressionAttributeNames(Map.of("#o", Deliveries.ORDER_KEY, "#s", Deliveries.SEQ))
                        .expressionAttributeValues(
                                Map.of(":o", AttributeValue.fromS(messageId), ":head", AttributeValue.fromN("0")))
                        .consistentRead(true)
                        .build());
        assertThat(deliveries).singleElement().satisfies(d -> {
            assertThat(d.get(Deliveries.KIND).s()).isEqualTo("callback");
            assertThat(d.get(Deliveries.URL).s()).isEqualTo("https://example.com/cb");
            assertThat(d.get(Deliveries.PAYLOAD).s()).contains("\"status\":\"delivered\"");
        });
    }

    /** A store on the same tables whose first transaction waits until {@code meanwhile} ran: another node's write. */
    private DynamoDbMessageStore storeWithBeforeFirstWrite(Runnable meanwhile) {
        DynamoDbClient real = dynamo.client();
        AtomicBoolean ran = new AtomicBoolean();
        DynamoDbClient client = (DynamoDbClient) Proxy.newProxyInstance(
                DynamoDbClient.class.getClassLoader(), new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("transactWriteItems") && ran.compareAndSet(false, true)) {
                        meanwhile.run();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new DynamoDbMessageStore(client, tables, Clock.systemUTC());
    }
}
