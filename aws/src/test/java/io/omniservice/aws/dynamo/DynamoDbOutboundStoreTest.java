package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.aws.queue.SendQueue;
import io.omniservice.aws.queue.SendQueueSettings;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageIds;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.model.Sender;
import io.omniservice.core.outbound.AcceptResult;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.outbound.DeliveryTimeout;
import io.omniservice.core.outbound.Priority;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.ReceiptDeadline;
import io.omniservice.core.outbound.SendAttempt;
import io.omniservice.core.outbound.SendHandoff;
import io.omniservice.core.outbound.SendJob;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.outbound.SendPlan;
import io.omniservice.core.outbound.SendResult;
import io.omniservice.store.contract.MessageStoreContract;
import io.omniservice.store.contract.OutboundStoreContract;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The send jobs of the DynamoDB outbound store on the http4k fake and ElasticMQ: what the outbound store contract
 * cannot show (a lost enqueue, a lease taken over by another node, SQS's redrive). Each test has its own tables
 * and queues; the message store reads each test's messages, to see that the transaction that ended a job also
 * wrote its message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DynamoDbOutboundStoreTest {
    private static final Duration LEASE = Duration.ofMinutes(5);

    private FakeDynamo dynamo;
    private SQSRestServer elasticMq;
    private SqsClient sqs;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
        elasticMq = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .start();
        int port = elasticMq.waitUntilStarted().localAddress().getPort();
        sqs = SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @AfterAll
    void stop() {
        sqs.close();
        elasticMq.stopAndWait();
        dynamo.close();
    }

    /** One deployment: the tables and queues the test made, and a message store to read its messages. */
    private record Deployment(Tables tables, String queueName, int maxReceiveCount, DynamoDbMessageStore messages) {}

    private Deployment deployment(int maxReceiveCount) {
        Tables tables = new Tables(FakeDynamo.uniquePrefix("outbound"));
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        String queue = "outbound-" + UUID.randomUUID().toString().substring(0, 8);
        return new Deployment(
                tables, queue, maxReceiveCount, new DynamoDbMessageStore(dynamo.client(), tables, Clock.systemUTC()));
    }

    /** One node of the deployment: its own queue client, outbox and deliveries, as a process has. */
    private DynamoDbOutboundStore node(
            Deployment deployment, SqsClient client, DynamoDbOutboundStore.Settings settings) {
        SendQueue queue = SendQueue.open(
                client,
                new SendQueueSettings(deployment.queueName(), deployment.maxReceiveCount(), true),
                Clock.systemUTC());
        Clock clock = Clock.systemUTC();
        return new DynamoDbOutboundStore(
                dynamo.client(),
                deployment.tables(),
                queue,
                clock,
                new Deliveries(dynamo.client(), deployment.tables(), clock),
                new Outbox(dynamo.client(), deployment.tables(), clock),
                settings);
    }

    private DynamoDbOutboundStore node(Deployment deployment) {
        return node(deployment, sqs, DynamoDbOutboundStore.Settings.defaults());
    }

    /** The message's status as the message store reads it, with its error code when it failed; null: no message. */
    private static String status(Deployment deployment, String messageId) {
        return deployment
                .messages()
                .message(messageId)
                .map(m -> m.status().wireName()
                        + (m.error() == null ? "" : ":" + m.error().code()))
                .orElse(null);
    }

    private boolean hasJob(Deployment deployment, String messageId) {
        return dynamo.client()
                .getItem(r -> r.tableName(deployment.tables().name(Tables.SENDS))
                        .key(SendItems.jobKey(messageId))
                        .consistentRead(true))
                .hasItem();
    }

    private static QueuedMessage queued(String to, Priority priority, Instant notBefore) {
        return queued(to, priority, notBefore, null);
    }

    private static QueuedMessage queued(
            String to, Priority priority, Instant notBefore, QueuedMessage.IdempotencyKey key) {
        ConversationKey conversation = new ConversationKey(to);
        MessageContent text = new MessageContent.Text("hello");
        String id = MessageIds.next(Clock.systemUTC());
        NormalizedMessage message = new NormalizedMessage(
                id,
                conversation.conversationId(),
                Direction.OUTBOUND,
                Sender.phone("+14155550199", null),
                to,
                text,
                new MessageMetadata(CarrierType.TWILIO, "default", null, null, null, Instant.now(), null, null));
        SendPlan plan = new SendPlan(to, null, text, null, null, null, null, CarrierType.TWILIO, "default");
        return new QueuedMessage(
                message,
                conversation,
                plan,
                priority,
                notBefore,
                null,
                null,
                key,
                "{\"messageId\":\"" + id + "\"}",
                null);
    }

    private static String phone() {
        return "+1415" + String.format("%07d", (long) (Math.random() * 10_000_000));
    }

    private static String id(QueuedMessage q) {
        return q.message().messageId();
    }

    private static List<String> ids(List<SendJob> jobs) {
        return jobs.stream().map(SendJob::messageId).toList();
    }

    private static SendOutcome.Sent sent(QueuedMessage q, String account) {
        return sent(q, account, null);
    }

    /** Twilio took {@code q}; with {@code waiting}, its job then waits for the receipt. */
    private static SendOutcome.Sent sent(QueuedMessage q, String account, SendPlan waiting) {
        return new SendOutcome.Sent(
                id(q),
                q.message().conversationId(),
                CarrierType.TWILIO,
                account,
                new SendResult("SM" + UUID.randomUUID().toString().replace("-", ""), "queued", 1),
                List.of(new SendAttempt(
                        CarrierType.TWILIO,
                        account,
                        Instant.now(),
                        12,
                        "sent",
                        201,
                        null,
                        null,
                        q.plan().to())),
                waiting);
    }

    private static SendOutcome.Failed failed(QueuedMessage q) {
        return new SendOutcome.Failed(
                id(q),
                CarrierType.TWILIO,
                "circuit_open",
                "every carrier failed",
                true,
                q.plan(),
                List.of(
                        new SendAttempt(
                                CarrierType.TWILIO,
                                "default",
                                Instant.now(),
                                30,
                                "retryable",
                                500,
                                "500",
                                "x",
                                q.plan().to()),
                        new SendAttempt(
                                CarrierType.BANDWIDTH,
                                "main",
                                Instant.now(),
                                40,
                                "retryable",
                                503,
                                "503",
                                "y",
                                q.plan().to())));
    }

    /**
     * A conversation counted before it kept its last WhatsApp message from the customer has no such attribute: its
     * messages are read for it, and counting a message that is not one leaves it so, rather than taking it for none.
     */
    @Test
    void aConversationCountedBeforeItKeptTheWhatsAppWindowHasItReadFromItsMessages() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore node = node(deployment);
        String customer = phone();
        Sender sender = Sender.phone(customer, null);
        ConversationKey key = new ConversationKey(customer);
        Instant whatsAppAt = MessageStoreContract.now().minusSeconds(60);
        deployment
                .messages()
                .commit(MessageStoreContract.batch(MessageStoreContract.inbound(
                        CarrierType.WHATSAPP,
                        MessageStoreContract.carrierId(),
                        sender,
                        whatsAppAt,
                        MessageStoreContract.text("hi"))));
        Map<String, AttributeValue> conversationKey =
                Map.of(Tables.Conversations.CONVERSATION_ID, AttributeValue.fromS(key.conversationId()));
        dynamo.client().updateItem(r -> r.tableName(deployment.tables().name(Tables.CONVERSATIONS))
                .key(conversationKey)
                .updateExpression("REMOVE " + Tables.Conversations.LAST_WHATSAPP_INBOUND_AT));

        assertThat(node.recipientFacts(key).lastWhatsAppInbound()).isEqualTo(whatsAppAt);
        deployment
                .messages()
                .commit(MessageStoreContract.batch(MessageStoreContract.inbound(
                        CarrierType.TWILIO,
                        MessageStoreContract.carrierId(),
                        sender,
                        MessageStoreContract.now(),
                        MessageStoreContract.text("sms"))));
        assertThat(node.recipientFacts(key).lastWhatsAppInbound()).isEqualTo(whatsAppAt);
        assertThat(dynamo.client()
                        .getItem(r -> r.tableName(deployment.tables().name(Tables.CONVERSATIONS))
                                .key(conversationKey)
                                .consistentRead(true))
                        .item())
                .doesNotContainKey(Tables.Conversations.LAST_WHATSAPP_INBOUND_AT)
                .containsEntry(Tables.Conversations.MESSAGE_COUNT, AttributeValue.fromN("2"));
    }

    @Test
    void aReusedIdempotencyKeyAnswersTheStoredResultAndStoresNothingMore() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        String key = UUID.randomUUID().toString();
        QueuedMessage first =
                queued(phone(), Priority.NORMAL, Instant.now(), new QueuedMessage.IdempotencyKey("client", key, "h1"));
        QueuedMessage repeat =
                queued(phone(), Priority.NORMAL, Instant.now(), new QueuedMessage.IdempotencyKey("client", key, "h1"));
        QueuedMessage other =
                queued(phone(), Priority.NORMAL, Instant.now(), new QueuedMessage.IdempotencyKey("client", key, "h2"));

        assertThat(store.accept(first)).isEqualTo(new AcceptResult.Stored());
        assertThat(store.accept(repeat)).isEqualTo(new AcceptResult.KeyUsed(true, first.response()));
        assertThat(store.accept(other)).isEqualTo(new AcceptResult.KeyUsed(false, first.response()));

        assertThat(hasJob(deployment, id(repeat))).isFalse();
        assertThat(status(deployment, id(repeat)))
                .as("its message was not stored either")
                .isNull();
        assertThat(status(deployment, id(first))).isEqualTo("queued");
        assertThat(store.idempotentAnswer("another-client", key, "h1")).isEmpty();
        assertThat(ids(store.claimDue("node", Instant.now(), LEASE, 10))).containsExactly(id(first));
    }

    @Test
    void aSendWhoseEnqueueWasLostAfterItsCommitIsEnqueuedByTheNextSweep() {
        Deployment deployment = deployment(10);
        AtomicBoolean sqsDown = new AtomicBoolean();
        SqsClient flaky = (SqsClient) Proxy.newProxyInstance(
                SqsClient.class.getClassLoader(), new Class<?>[] {SqsClient.class}, (proxy, method, args) -> {
                    if (sqsDown.get() && method.getName().equals("sendMessage")) {
                        throw SdkClientException.create("connection refused");
                    }
                    try {
                        return method.invoke(sqs, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        DynamoDbOutboundStore store = node(
                deployment, flaky, new DynamoDbOutboundStore.Settings(Duration.ofHours(1), Duration.ofHours(1), 100));
        Instant t0 = Instant.now();
        assertThat(store.claimDue("node", t0, LEASE, 10))
                .as("the first claim sweeps")
                .isEmpty();

        sqsDown.set(true);
        QueuedMessage q = queued(phone(), Priority.NORMAL, Instant.now());
        assertThat(store.accept(q)).as("durable in DynamoDB").isEqualTo(new AcceptResult.Stored());
        sqsDown.set(false);

        assertThat(store.claimDue("node", t0.plusSeconds(1), LEASE, 10))
                .as("not in SQS, and no sweep yet")
                .isEmpty();
        List<SendJob> swept = store.claimDue("node", t0.plus(Duration.ofHours(2)), LEASE, 10);
        assertThat(ids(swept)).containsExactly(id(q));
        assertThat(swept.getFirst().runs()).isEqualTo(1);
    }

    @Test
    void aConversationHasOneSendInFlightInTheOrderAcceptedWhateverThePriorities() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        String alice = phone();
        String bob = phone();
        QueuedMessage a1 = queued(alice, Priority.LOW, Instant.now());
        QueuedMessage a2 = queued(alice, Priority.HIGH, Instant.now());
        QueuedMessage a3 = queued(alice, Priority.NORMAL, Instant.now());
        QueuedMessage b1 = queued(bob, Priority.NORMAL, Instant.now());
        for (QueuedMessage q : List.of(a1, a2, a3, b1)) {
            store.accept(q);
        }

        assertThat(ids(store.claimDue("n1", Instant.now(), LEASE, 10))).containsExactly(id(b1), id(a1));
        assertThat(store.claimDue("n2", Instant.now(), LEASE, 10)).isEmpty();

        store.finish(sent(a1, "default"));
        assertThat(ids(store.claimDue("n2", Instant.now(), LEASE, 10))).containsExactly(id(a2));
        store.finish(failed(a2));
        assertThat(ids(store.claimDue("n2", Instant.now(), LEASE, 10))).containsExactly(id(a3));
        assertThat(status(deployment, id(a1))).isEqualTo("sent");
        assertThat(status(deployment, id(a2))).isEqualTo("failed:circuit_open");
    }

    @Test
    void aNodeWhoseLeaseWasTakenOverCannotStoreASecondOutcome() throws Exception {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore nodeA = node(deployment);
        DynamoDbOutboundStore nodeB = node(deployment);
        QueuedMessage q = queued(phone(), Priority.NORMAL, Instant.now());
        nodeA.accept(q);
        Duration shortLease = Duration.ofSeconds(1);
        assertThat(ids(nodeA.claimDue("a", Instant.now(), shortLease, 10))).containsExactly(id(q));

        Thread.sleep(1_300);
        List<SendJob> takenOver = nodeB.claimDue("b", Instant.now(), LEASE, 10);
        assertThat(ids(takenOver)).containsExactly(id(q));
        assertThat(takenOver.getFirst().runs()).isEqualTo(2);

        nodeA.finish(sent(q, "from-a"));
        assertThat(status(deployment, id(q))).as("A's outcome is not stored").isEqualTo("queued");
        assertThat(nodeA.attempts(id(q))).isEmpty();
        assertThat(hasJob(deployment, id(q))).isTrue();

        nodeB.finish(sent(q, "from-b"));
        assertThat(status(deployment, id(q))).isEqualTo("sent");
        assertThat(nodeB.attempts(id(q))).extracting(SendAttempt::account).containsExactly("from-b");
        assertThat(hasJob(deployment, id(q))).isFalse();
    }

    @Test
    void aScheduledSendWaitsInTheStoreUntilItIsDueAndHoldsNothingBack() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        String to = phone();
        Instant later = Instant.now().plus(Duration.ofHours(3));
        QueuedMessage scheduled = queued(to, Priority.HIGH, later);
        QueuedMessage now = queued(to, Priority.NORMAL, Instant.now());
        store.accept(scheduled);
        store.accept(now);

        assertThat(ids(store.claimDue("n", Instant.now(), LEASE, 10))).containsExactly(id(now));
        store.finish(sent(now, "default"));
        assertThat(store.claimDue("n", Instant.now().plusSeconds(5), LEASE, 10))
                .as("not due yet, so not in SQS")
                .isEmpty();
        List<SendJob> due = store.claimDue("n", later.plusSeconds(1), LEASE, 10);
        assertThat(ids(due)).containsExactly(id(scheduled));
        assertThat(due.getFirst().priority()).isEqualTo(Priority.HIGH);
    }

    @Test
    void anExhaustedSendIsDeadLetteredWithItsAttemptsAndAReplayQueuesItOnceWithANewTicket() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        QueuedMessage q = queued(phone(), Priority.HIGH, Instant.now());
        store.accept(q);
        assertThat(ids(store.claimDue("n", Instant.now(), LEASE, 10))).containsExactly(id(q));

        store.finish(failed(q));

        DeadLetter letter = store.deadLetters(10).getFirst();
        assertThat(letter.kind()).isEqualTo("send");
        assertThat(letter.messageId()).isEqualTo(id(q));
        assertThat(letter.attempts()).isEqualTo(2);
        assertThat(letter.lastError()).isEqualTo("circuit_open: every carrier failed");
        assertThat(letter.payload().path("plan").path("to").asText())
                .isEqualTo(q.plan().to());
        assertThat(store.attempts(id(q)))
                .extracting(SendAttempt::carrier)
                .containsExactly(CarrierType.TWILIO, CarrierType.BANDWIDTH);
        assertThat(hasJob(deployment, id(q))).isFalse();

        assertThat(store.replay(letter.id()))
                .hasValueSatisfying(r -> assertThat(r.replayedAt()).isNotNull());
        assertThat(store.replay(letter.id())).isEmpty();
        assertThat(status(deployment, id(q))).isEqualTo("queued");
        // replayed within SQS's five-minute deduplication window: only a new ticket gets through
        List<SendJob> again = store.claimDue("n", Instant.now(), LEASE, 10);
        assertThat(ids(again)).containsExactly(id(q));
        assertThat(again.getFirst().priority()).isEqualTo(Priority.NORMAL);
        assertThat(store.deadLetters(10).getFirst().replayedAt()).isNotNull();
    }

    @Test
    void aSendSqsMovedToItsDeadLetterQueueIsMovedIntoTheTableAndFailsItsMessage() throws Exception {
        Deployment deployment = deployment(1);
        DynamoDbOutboundStore store = node(deployment);
        String to = phone();
        QueuedMessage stuck = queued(to, Priority.NORMAL, Instant.now());
        QueuedMessage next = queued(to, Priority.NORMAL, Instant.now());
        store.accept(stuck);
        store.accept(next);
        assertThat(ids(store.claimDue("dies", Instant.now(), Duration.ofSeconds(1), 10)))
                .containsExactly(id(stuck));

        // the node dies holding it; SQS moves it on its next receive, its receive count spent
        Thread.sleep(1_300);
        DynamoDbOutboundStore restarted = node(deployment);
        assertThat(restarted.claimDue("n", Instant.now(), LEASE, 10)).isEmpty();
        assertThat(restarted.moveDeadSends()).isEqualTo(1);
        assertThat(restarted.moveDeadSends()).as("moved once").isZero();

        DeadLetter letter = restarted.deadLetters(10).getFirst();
        assertThat(letter.messageId()).isEqualTo(id(stuck));
        assertThat(letter.lastError()).startsWith(DynamoDbOutboundStore.RECEIVE_LIMIT + ": SQS handed the send out");
        assertThat(status(deployment, id(stuck))).isEqualTo("failed:" + DynamoDbOutboundStore.RECEIVE_LIMIT);
        assertThat(hasJob(deployment, id(stuck))).isFalse();
        assertThat(ids(restarted.claimDue("n", Instant.now(), LEASE, 10)))
                .as("its conversation moves on")
                .containsExactly(id(next));

        restarted.finish(sent(next, "default"));
        assertThat(restarted.replay(letter.id())).isPresent();
        assertThat(ids(restarted.claimDue("n", Instant.now(), LEASE, 10))).containsExactly(id(stuck));
    }

    @Test
    void aReleasedSendComesBackWhenDueAndItsConversationMovesOnMeanwhile() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        String to = phone();
        QueuedMessage first = queued(to, Priority.NORMAL, Instant.now());
        QueuedMessage second = queued(to, Priority.NORMAL, Instant.now());
        store.accept(first);
        store.accept(second);
        assertThat(ids(store.claimDue("n", Instant.now(), LEASE, 10))).containsExactly(id(first));

        Instant retryAt = Instant.now().plus(Duration.ofMinutes(10));
        store.release(id(first), retryAt);

        assertThat(ids(store.claimDue("n", Instant.now(), LEASE, 10))).containsExactly(id(second));
        store.finish(sent(second, "default"));
        List<SendJob> back = store.claimDue("n", retryAt.plusSeconds(1), LEASE, 10);
        assertThat(ids(back)).containsExactly(id(first));
        assertThat(back.getFirst().runs()).isEqualTo(2);
    }

    @Test
    void releasingANodesLeasesGivesItsSendsToTheNextNodeAtOnce() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        QueuedMessage q = queued(phone(), Priority.LOW, Instant.now());
        store.accept(q);
        assertThat(ids(store.claimDue("stopping", Instant.now(), LEASE, 10))).containsExactly(id(q));

        assertThat(store.releaseLeasesOf("someone-else")).isZero();
        assertThat(store.releaseLeasesOf("stopping")).isEqualTo(1);

        List<SendJob> again = store.claimDue("next", Instant.now(), LEASE, 10);
        assertThat(ids(again)).containsExactly(id(q));
        assertThat(again.getFirst().runs()).isEqualTo(2);
    }

    @Test
    void aNodeRestartedAfterKillNineSendsWhatItHeldAtOnceNotWhenSqsShowsItAgain() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore killed = node(deployment);
        QueuedMessage q = queued(phone(), Priority.NORMAL, Instant.now());
        killed.accept(q);
        assertThat(ids(killed.claimDue("node-1", Instant.now(), LEASE, 10))).containsExactly(id(q));

        // the process is gone with its SQS receipt; the same node starts again as a new process
        DynamoDbOutboundStore restarted = node(deployment);
        assertThat(restarted.releaseLeasesOf("node-1")).isEqualTo(1);

        List<SendJob> again = restarted.claimDue("node-1", Instant.now(), LEASE, 10);
        assertThat(ids(again))
                .as("enqueued anew, not hidden in SQS until the killed process's lease ends")
                .containsExactly(id(q));
        assertThat(again.getFirst().runs()).isEqualTo(2);
        killed.finish(sent(q, "from-the-dead"));
        assertThat(status(deployment, id(q))).as("the killed run's outcome").isEqualTo("queued");
        restarted.finish(sent(q, "restarted"));
        assertThat(status(deployment, id(q))).isEqualTo("sent");
        assertThat(hasJob(deployment, id(q))).isFalse();
    }

    /**
     * The receiver can lease a send between its enqueue and the enqueuer's note that it is in SQS: the note must
     * not take the leased job out of {@code pending-index}, where its node's restart looks for what it held.
     */
    @Test
    void aSendReceivedBeforeItsEnqueuerNotesItInSqsIsStillFoundByItsNodesRestart() {
        Deployment deployment = deployment(10);
        SendQueue receiver = SendQueue.open(
                sqs,
                new SendQueueSettings(deployment.queueName(), deployment.maxReceiveCount(), true),
                Clock.systemUTC());
        AtomicReference<DynamoDbOutboundStore> killed = new AtomicReference<>();
        List<SendJob> leasedInTheGap = new ArrayList<>();
        AtomicBoolean raced = new AtomicBoolean();
        // an SQS client on which a receiver gets each enqueued send before the enqueue call returns
        SqsClient quickReceiver = (SqsClient) Proxy.newProxyInstance(
                SqsClient.class.getClassLoader(), new Class<?>[] {SqsClient.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(sqs, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("sendMessage") && raced.compareAndSet(false, true)) {
                        leasedInTheGap.addAll(killed.get()
                                .claimReceived("node-1", receiver.receive(10, LEASE), Instant.now(), LEASE));
                    }
                    return result;
                });
        killed.set(node(deployment, quickReceiver, DynamoDbOutboundStore.Settings.defaults()));
        QueuedMessage q = queued(phone(), Priority.NORMAL, Instant.now());
        killed.get().accept(q);
        assertThat(ids(leasedInTheGap)).containsExactly(id(q));

        DynamoDbOutboundStore restarted = node(deployment);
        assertThat(restarted.releaseLeasesOf("node-1"))
                .as("the restarted node finds the send it held")
                .isEqualTo(1);
        assertThat(ids(restarted.claimDue("node-1", Instant.now(), LEASE, 10))).containsExactly(id(q));
    }

    @Test
    void aSendHandedToItsNodeAtAcceptanceIsSweptIntoSqsOnceThatNodesLeaseRunsOut() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore accepting = node(deployment);
        DynamoDbOutboundStore other = node(deployment);
        Instant until = Instant.now().plus(LEASE);
        QueuedMessage base = queued(phone(), Priority.NORMAL, Instant.now());
        QueuedMessage handedOff = new QueuedMessage(
                base.message(),
                base.conversation(),
                base.plan(),
                base.priority(),
                base.notBefore(),
                null,
                null,
                null,
                base.response(),
                new SendHandoff.Lease("accepting", until));

        accepting.accept(handedOff);

        assertThat(other.claimDue("other", Instant.now(), LEASE, 10))
                .as("held by the node it was handed to, never in SQS")
                .isEmpty();
        // that node dies without an outcome: once its lease is over, a sweep enqueues the send
        List<SendJob> taken = other.claimDue("other", until.plusSeconds(1), LEASE, 10);
        assertThat(ids(taken)).containsExactly(id(handedOff));
        assertThat(taken.getFirst().runs()).isEqualTo(2);
        accepting.finish(sent(handedOff, "late"));
        assertThat(status(deployment, id(handedOff)))
                .as("the dead node's outcome is not stored")
                .isEqualTo("queued");
    }

    /** A send asking for a fallback after 60 s, taken by Twilio at {@code sentAt}: its job now waits for a receipt. */
    private static QueuedMessage sentWaiting(DynamoDbOutboundStore store, String to, Instant sentAt) {
        QueuedMessage q = OutboundStoreContract.withFallback(queued(to, Priority.NORMAL, Instant.now()), 60);
        store.accept(q);
        assertThat(ids(store.claimDue("sender", Instant.now(), LEASE, 10))).contains(id(q));
        store.finish(sent(q, "default", ReceiptDeadline.waiting(q.plan(), CarrierType.TWILIO, "default", sentAt)));
        return q;
    }

    private static SendOutcome.WatchEnded fallbackSent(QueuedMessage q, Instant at) {
        return new SendOutcome.WatchEnded(
                id(q),
                q.message().conversationId(),
                new DeliveryTimeout(
                        CarrierType.TWILIO,
                        "default",
                        60,
                        DeliveryTimeout.Action.FALLBACK_SENT,
                        "fallback-" + id(q),
                        CarrierType.BANDWIDTH,
                        at));
    }

    private static long fallbacksRecorded(Deployment deployment, QueuedMessage q) {
        return deployment.messages().message(id(q)).orElseThrow().statusHistory().stream()
                .filter(c -> ReceiptDeadline.FALLBACK_SENT.equals(c.carrierStatus()))
                .count();
    }

    @Test
    void aSendWaitingForItsReceiptLeavesItsLineSoTheConversationsNextSendGoesMeanwhile() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        String to = phone();
        Instant sentAt = Instant.now();
        QueuedMessage next = queued(to, Priority.NORMAL, Instant.now());
        QueuedMessage waiting = sentWaiting(store, to, sentAt);
        store.accept(next);

        assertThat(hasJob(deployment, id(waiting)))
                .as("the send itself is over")
                .isFalse();
        assertThat(ids(store.claimDue("sender", Instant.now(), LEASE, 10))).containsExactly(id(next));
        assertThat(status(deployment, id(waiting))).isEqualTo("sent");
    }

    @Test
    void aDueDeadlineIsLeasedByOneNodeAndByAnotherOnlyOnceThatLeaseRunsOutAndTheTimeoutIsRecordedOnce() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore nodeA = node(deployment);
        DynamoDbOutboundStore nodeB = node(deployment);
        Instant sentAt = Instant.now();
        QueuedMessage q = sentWaiting(nodeA, phone(), sentAt);
        Instant due = sentAt.plusSeconds(61);

        assertThat(nodeB.claimDeadlines("b", sentAt.plusSeconds(59), LEASE, 10)).isEmpty();
        List<SendJob> taken = nodeA.claimDeadlines("a", due, Duration.ofSeconds(10), 10);
        assertThat(ids(taken)).containsExactly(id(q));
        assertThat(taken.getFirst().plan().watch().carrier()).isEqualTo(CarrierType.TWILIO);
        assertThat(nodeB.claimDeadlines("b", due, LEASE, 10)).as("held by A").isEmpty();

        List<SendJob> takenOver = nodeB.claimDeadlines("b", due.plusSeconds(11), LEASE, 10);
        assertThat(ids(takenOver)).as("A's lease ran out").containsExactly(id(q));
        assertThat(takenOver.getFirst().runs()).isEqualTo(2);

        nodeA.finish(fallbackSent(q, due));
        assertThat(fallbacksRecorded(deployment, q))
                .as("A's run was taken over")
                .isZero();
        nodeB.finish(fallbackSent(q, due.plusSeconds(11)));
        nodeB.finish(fallbackSent(q, due.plusSeconds(11)));
        assertThat(fallbacksRecorded(deployment, q)).isEqualTo(1);
        assertThat(nodeA.claimDeadlines("a", due.plus(Duration.ofDays(2)), LEASE, 10))
                .isEmpty();
    }

    @Test
    void aDeadlineIsInNoPartitionThatTheSendSweepReads() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore store = node(deployment);
        Instant sentAt = Instant.now();
        QueuedMessage q = sentWaiting(store, phone(), sentAt);
        Instant later = sentAt.plus(Duration.ofDays(2));

        // the sweep a node of the release before receipt deadlines runs too: it must not enqueue the deadline as a
        // send (nor can that node lease it: a send's lease needs the job's lineEntry and ticket, which it has not)
        assertThat(store.sweep(later)[0])
                .as("conversations the send sweep looked at")
                .isZero();
        assertThat(ids(store.claimDeadlines("n", later, LEASE, 10))).containsExactly(id(q));
    }

    @Test
    void aNodeStartingAgainGivesBackTheDeadlinesItHeld() {
        Deployment deployment = deployment(10);
        DynamoDbOutboundStore killed = node(deployment);
        Instant sentAt = Instant.now();
        QueuedMessage q = sentWaiting(killed, phone(), sentAt);
        Instant due = sentAt.plusSeconds(61);
        assertThat(ids(killed.claimDeadlines("node-1", due, LEASE, 10))).containsExactly(id(q));

        DynamoDbOutboundStore restarted = node(deployment);
        assertThat(restarted.releaseLeasesOf("node-1")).isEqualTo(1);

        assertThat(ids(restarted.claimDeadlines("node-2", due, LEASE, 10))).containsExactly(id(q));
    }
}
