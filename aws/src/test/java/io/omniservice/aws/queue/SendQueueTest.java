package io.omniservice.aws.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.Priority;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The send queue on ElasticMQ: one server for the class, fresh queues for each test. */
class SendQueueTest {
    private static final Duration LONG_LEASE = Duration.ofSeconds(30);
    private static final AtomicInteger QUEUES = new AtomicInteger();

    private static SQSRestServer server;
    private static SqsClient sqs;

    @BeforeAll
    static void startElasticMq() {
        server = SQSRestServerBuilder.withInterface("127.0.0.1")
                .withDynamicPort()
                .start();
        int port = server.waitUntilStarted().localAddress().getPort();
        sqs = SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    @AfterAll
    static void stopElasticMq() {
        sqs.close();
        server.stopAndWait();
    }

    private static String freshName() {
        return "send-queue-test-" + QUEUES.incrementAndGet();
    }

    private static SendQueue open(int maxReceiveCount) {
        return SendQueue.open(sqs, new SendQueueSettings(freshName(), maxReceiveCount, true), Clock.systemUTC());
    }

    private static SendTicket ticket(String messageId, String conversationId, Priority priority) {
        return new SendTicket(
                messageId, conversationId, 1, priority, Instant.now().minusSeconds(1));
    }

    /** Receives until something comes out, for sends that reappear when SQS's timer says so. */
    private static List<LeasedSend> receiveWithin(SendQueue queue, Duration wait, Duration lease) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<LeasedSend> received = queue.receive(10, lease);
            if (!received.isEmpty() || System.nanoTime() > deadline) {
                return received;
            }
            Thread.sleep(100);
        }
    }

    private static List<String> messageIds(List<LeasedSend> sends) {
        return sends.stream().map(s -> s.ticket().messageId()).toList();
    }

    @Test
    void sendsOfOneConversationComeOutInOrderAndNotWhileAnEarlierOneIsHeld() {
        SendQueue queue = open(5);
        for (int n = 1; n <= 4; n++) {
            for (String conversation : List.of("c1", "c2", "c3")) {
                queue.enqueue(ticket(conversation + "-m" + n, conversation, Priority.NORMAL));
            }
        }

        // SQS keeps no order across conversations: whichever comes first is its conversation's first send
        List<LeasedSend> first = queue.receive(1, LONG_LEASE);
        assertThat(first).hasSize(1);
        String held = first.getFirst().ticket().conversationId();
        assertThat(first.getFirst().ticket().messageId()).isEqualTo(held + "-m1");

        // while it is held, other receivers get the other conversations, each in its order, and nothing of it
        Map<String, List<String>> order = new LinkedHashMap<>();
        List<LeasedSend> batch;
        while (!(batch = queue.receive(10, LONG_LEASE)).isEmpty()) {
            for (LeasedSend send : batch) {
                order.computeIfAbsent(send.ticket().conversationId(), c -> new ArrayList<>())
                        .add(send.ticket().messageId());
                queue.done(send.receipt());
            }
        }
        assertThat(order).hasSize(2).doesNotContainKey(held);
        order.forEach((conversation, messages) -> assertThat(messages)
                .containsExactly(
                        conversation + "-m1", conversation + "-m2", conversation + "-m3", conversation + "-m4"));

        queue.done(first.getFirst().receipt());
        List<String> rest = new ArrayList<>();
        while (!(batch = queue.receive(10, LONG_LEASE)).isEmpty()) {
            for (LeasedSend send : batch) {
                rest.add(send.ticket().messageId());
                queue.done(send.receipt());
            }
        }
        assertThat(rest).containsExactly(held + "-m2", held + "-m3", held + "-m4");
    }

    @Test
    void enqueuingTheSameAttemptAgainLeavesOneTicketAndANewAttemptIsAnother() {
        SendQueue queue = open(5);
        SendTicket once = ticket("m-dup", "c-dup", Priority.NORMAL);
        queue.enqueue(once);
        queue.enqueue(once);
        SendTicket retried = new SendTicket("m-dup", "c-dup", 2, Priority.NORMAL, once.notBefore());
        queue.enqueue(retried);

        List<LeasedSend> received = queue.receive(10, LONG_LEASE);

        assertThat(received).extracting(LeasedSend::ticket).containsExactly(once, retried);
    }

    @Test
    void aSendEnqueuedAnewIsNotHeldBehindItsEarlierTicketStillHeldByANodeThatDied() {
        SendQueue queue = open(5);
        SendTicket first = ticket("m-anew", "c-anew", Priority.NORMAL);
        queue.enqueue(first);
        assertThat(queue.receive(10, LONG_LEASE))
                .as("held by a node then killed")
                .hasSize(1);
        queue.enqueue(ticket("m-next", "c-anew", Priority.NORMAL));

        SendTicket anew = new SendTicket("m-anew", "c-anew", 2, Priority.NORMAL, first.notBefore());
        queue.enqueue(anew);

        assertThat(queue.receive(10, LONG_LEASE))
                .as("the later ticket comes out; the conversation's next send still waits behind the held one")
                .extracting(LeasedSend::ticket)
                .containsExactly(anew);
    }

    @Test
    void aSendHeldPastItsLeaseGoesToTheNextReceiverAndTheOldReceiptNoLongerWorks() throws Exception {
        String name = freshName();
        SendQueue queue = SendQueue.open(sqs, new SendQueueSettings(name, 5, true), Clock.systemUTC());
        queue.enqueue(ticket("m-lease", "c-lease", Priority.NORMAL));
        Duration lease = Duration.ofSeconds(2);

        List<LeasedSend> crashed = queue.receive(10, lease);
        assertThat(crashed).singleElement().satisfies(s -> {
            assertThat(s.receiveCount()).isEqualTo(1);
            assertThat(s.leaseUntil()).isAfter(Instant.now());
        });
        assertThat(queue.receive(10, lease)).as("held by the first receiver").isEmpty();

        List<LeasedSend> takenOver = receiveWithin(queue, Duration.ofSeconds(5), LONG_LEASE);
        assertThat(takenOver).singleElement().satisfies(s -> {
            assertThat(s.ticket().messageId()).isEqualTo("m-lease");
            assertThat(s.receiveCount()).isEqualTo(2);
        });
        assertThat(Instant.now())
                .isAfterOrEqualTo(crashed.getFirst().leaseUntil().minusMillis(100));

        assertThatThrownBy(() -> queue.done(crashed.getFirst().receipt()))
                .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                        .isEqualTo(SendQueueException.Kind.LEASE_LOST))
                .hasMessageContaining(name + "-normal.fifo");
        queue.done(takenOver.getFirst().receipt());
        assertThat(queue.receive(10, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void laterPutsASendOffAndReleaseGivesItBackAtOnce() throws Exception {
        SendQueue queue = open(5);
        queue.enqueue(ticket("m-later", "c-later", Priority.NORMAL));
        LeasedSend held = queue.receive(10, LONG_LEASE).getFirst();

        queue.later(held.receipt(), Duration.ofSeconds(1));
        assertThat(queue.receive(10, LONG_LEASE)).as("put off for a second").isEmpty();
        List<LeasedSend> again = receiveWithin(queue, Duration.ofSeconds(4), LONG_LEASE);
        assertThat(again).singleElement().satisfies(s -> assertThat(s.receiveCount())
                .isEqualTo(2));

        queue.release(again.getFirst().receipt());
        List<LeasedSend> released = queue.receive(10, LONG_LEASE);
        assertThat(released).singleElement().satisfies(s -> {
            assertThat(s.ticket().messageId()).isEqualTo("m-later");
            assertThat(s.receiveCount()).isEqualTo(3);
        });

        assertThatThrownBy(() -> queue.later(
                        released.getFirst().receipt(), Duration.ofHours(12).plusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12 hours");
        assertThatThrownBy(() -> queue.receive(10, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one second");
    }

    @Test
    void highComesOutBeforeNormalBeforeLow() {
        SendQueue queue = open(5);
        queue.enqueue(ticket("m-low", "c-low", Priority.LOW));
        queue.enqueue(ticket("m-normal", "c-normal", Priority.NORMAL));
        queue.enqueue(ticket("m-high", "c-high", Priority.HIGH));

        List<LeasedSend> first = queue.receive(1, LONG_LEASE);
        List<LeasedSend> rest = queue.receive(10, LONG_LEASE);

        assertThat(messageIds(first)).containsExactly("m-high");
        assertThat(first.getFirst().receipt().lane()).isEqualTo(Priority.HIGH);
        assertThat(messageIds(rest)).containsExactly("m-normal", "m-low");
    }

    @Test
    void aSendNeverFinishedMovesToTheDeadLetterQueueAfterMaxReceiveCountAndReplayPutsItBack() throws Exception {
        SendQueue queue = open(2);
        SendTicket ticket = ticket("m-dead", "c-dead", Priority.HIGH);
        queue.enqueue(ticket);
        Duration lease = Duration.ofSeconds(1);
        assertThat(queue.receive(10, lease)).hasSize(1);
        assertThat(receiveWithin(queue, Duration.ofSeconds(4), lease))
                .singleElement()
                .satisfies(s -> assertThat(s.receiveCount()).isEqualTo(2));
        Thread.sleep(lease.toMillis() + 200);
        assertThat(queue.receive(10, lease))
                .as("moved after its second receive")
                .isEmpty();

        List<DeadSend> dead = queue.deadLetters(10);
        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.ticket()).isEqualTo(ticket);
            assertThat(d.receiveCount()).isGreaterThanOrEqualTo(2);
            assertThat(d.sentAt()).isBefore(Instant.now().plusSeconds(1));
        });
        assertThat(queue.deadLetters(10))
                .as("listing leaves them where they are")
                .hasSize(1);

        assertThat(queue.replay(dead.getFirst().id())).contains(ticket);

        List<LeasedSend> back = queue.receive(10, LONG_LEASE);
        assertThat(back).singleElement().satisfies(s -> {
            assertThat(s.ticket()).isEqualTo(ticket);
            assertThat(s.receipt().lane()).isEqualTo(Priority.HIGH);
            assertThat(s.receiveCount()).isEqualTo(1);
        });
        assertThat(queue.deadLetters(10)).isEmpty();
        assertThat(queue.replay(dead.getFirst().id())).as("already replayed").isEmpty();
    }

    @Test
    void drainingHandsEachDeadSendOverAndDeletesItOnlyOnceItWasKept() throws Exception {
        SendQueue queue = open(1);
        SendTicket ticket = ticket("m-drain", "c-drain", Priority.LOW);
        queue.enqueue(ticket);
        assertThat(queue.receive(10, Duration.ofSeconds(1))).hasSize(1);
        Thread.sleep(1200);
        assertThat(queue.receive(10, Duration.ofSeconds(1))).as("moved").isEmpty();

        assertThatThrownBy(() -> queue.drainDeadLetters(10, dead -> {
                    throw new IllegalStateException("store unreachable");
                }))
                .hasMessage("store unreachable");
        assertThat(queue.deadLetters(10)).as("not kept, so not deleted").hasSize(1);

        List<DeadSend> kept = new ArrayList<>();
        assertThat(queue.drainDeadLetters(10, kept::add)).isEqualTo(1);
        assertThat(kept).singleElement().satisfies(d -> assertThat(d.ticket()).isEqualTo(ticket));
        assertThat(queue.deadLetters(10)).isEmpty();
        assertThat(queue.drainDeadLetters(10, kept::add)).isZero();
    }

    @Test
    void aMessageThatIsNotATicketIsSkippedAndShownInTheDeadLettersButNotReplayed() throws Exception {
        String name = freshName();
        SendQueue queue = SendQueue.open(sqs, new SendQueueSettings(name, 1, true), Clock.systemUTC());
        String normal = sqs.getQueueUrl(b -> b.queueName(name + "-normal.fifo")).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(normal)
                .messageBody("{\"text\":\"hello\"}")
                .messageGroupId("someone-else")
                .messageDeduplicationId("by-hand"));
        queue.enqueue(ticket("m-ours", "c-ours", Priority.NORMAL));

        List<LeasedSend> received = queue.receive(10, Duration.ofSeconds(1));
        assertThat(messageIds(received)).containsExactly("m-ours");
        queue.done(received.getFirst().receipt());
        Thread.sleep(1200);
        assertThat(queue.receive(10, Duration.ofSeconds(1))).isEmpty();

        List<DeadSend> dead = queue.deadLetters(10);
        assertThat(dead).singleElement().satisfies(d -> assertThat(d.ticket()).isNull());
        assertThatThrownBy(() -> queue.replay(dead.getFirst().id()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(name + "-dead.fifo")
                .hasMessageContaining("not a send ticket");
        assertThat(queue.deadLetters(10))
                .as("it stays in the dead-letter queue")
                .hasSize(1);
        List<DeadSend> kept = new ArrayList<>();
        assertThat(queue.drainDeadLetters(10, kept::add)).isZero();
        assertThat(kept).isEmpty();
        assertThat(queue.deadLetters(10)).as("draining leaves it too").hasSize(1);
    }

    @Test
    void theQueueCarriesIdsOnlyAsASmallJsonOfOurs() throws Exception {
        String name = freshName();
        SendQueue queue = SendQueue.open(sqs, new SendQueueSettings(name, 5, true), Clock.systemUTC());
        Instant due = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(5);
        queue.enqueue(new SendTicket("0197a1b2-0000-7000-8000-000000000001", "conv-1", 3, Priority.LOW, due));

        String low = sqs.getQueueUrl(b -> b.queueName(name + "-low.fifo")).queueUrl();
        var message = sqs.receiveMessage(b -> b.queueUrl(low)
                        .messageSystemAttributeNamesWithStrings("MessageGroupId", "MessageDeduplicationId"))
                .messages()
                .getFirst();

        assertThat(Json.MAPPER.readTree(message.body()))
                .isEqualTo(Json.MAPPER.readTree("{\"messageId\":\"0197a1b2-0000-7000-8000-000000000001\","
                        + "\"conversationId\":\"conv-1\",\"attempt\":3,\"priority\":\"low\",\"notBefore\":\"" + due
                        + "\"}"));
        assertThat(message.attributesAsStrings())
                .containsEntry("MessageGroupId", "conv-1#3")
                .containsEntry("MessageDeduplicationId", "0197a1b2-0000-7000-8000-000000000001#3");
    }

    @Test
    void aScheduledSendIsRefusedAndStaysOutOfTheQueue() {
        SendQueue queue = open(5);
        SendTicket tomorrow = new SendTicket(
                "m-later", "c-sched", 1, Priority.NORMAL, Instant.now().plusSeconds(3600));

        assertThatThrownBy(() -> queue.enqueue(tomorrow))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("m-later")
                .hasMessageContaining("store keeps it");
        assertThat(queue.receive(10, LONG_LEASE)).isEmpty();
    }

    @Test
    void aMissingQueueAtStartIsNamed() {
        String name = freshName();
        SendQueueSettings existing = new SendQueueSettings(name, 5, false);

        assertThatThrownBy(() -> SendQueue.open(sqs, existing, Clock.systemUTC()))
                .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                        .isEqualTo(SendQueueException.Kind.QUEUE_MISSING))
                .hasMessageContaining(name + "-dead.fifo");

        sqs.createQueue(b -> b.queueName(name + "-dead.fifo").attributesWithStrings(Map.of("FifoQueue", "true")));
        assertThatThrownBy(() -> SendQueue.open(sqs, existing, Clock.systemUTC()))
                .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                        .isEqualTo(SendQueueException.Kind.QUEUE_MISSING))
                .hasMessageContaining(name + "-high.fifo");
    }

    @Test
    void queuesMadeOtherwiseThanConfiguredAreRefusedAtStart() {
        String name = freshName();
        SendQueue.open(sqs, new SendQueueSettings(name, 5, true), Clock.systemUTC());

        assertThatThrownBy(() -> SendQueue.open(sqs, new SendQueueSettings(name, 3, false), Clock.systemUTC()))
                .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                        .isEqualTo(SendQueueException.Kind.MISCONFIGURED))
                .hasMessageContaining(name + "-high.fifo")
                .hasMessageContaining("after 5 receives")
                .hasMessageContaining("after 3 receives");

        String bare = freshName();
        for (String suffix : List.of("-dead.fifo", "-high.fifo")) {
            sqs.createQueue(b -> b.queueName(bare + suffix).attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true")));
        }
        assertThatThrownBy(() -> SendQueue.open(sqs, new SendQueueSettings(bare, 5, false), Clock.systemUTC()))
                .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                        .isEqualTo(SendQueueException.Kind.MISCONFIGURED))
                .hasMessageContaining(bare + "-high.fifo has no redrive policy");
    }

    @Test
    void aQueueDeletedWhileRunningIsNamed() {
        String name = freshName();
        SendQueue queue = SendQueue.open(sqs, new SendQueueSettings(name, 5, true), Clock.systemUTC());
        sqs.deleteQueue(b -> b.queueUrl(
                sqs.getQueueUrl(q -> q.queueName(name + "-normal.fifo")).queueUrl()));

        assertThatThrownBy(() -> queue.enqueue(ticket("m-gone", "c-gone", Priority.NORMAL)))
                .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                        .isEqualTo(SendQueueException.Kind.QUEUE_MISSING))
                .hasMessageContaining(name + "-normal.fifo does not exist");
    }
}
