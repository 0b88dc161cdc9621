package io.omniservice.aws.sns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.notify.EventEnvelope;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The SNS publisher against fauxqs: what a subscribed SQS queue receives, through a filter policy and
 * through a FIFO topic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnsEventPublisherTest {
    private static final String CONVERSATION_A = "c0a8e1f2-0000-4000-8000-00000000000a";
    private static final String CONVERSATION_B = "c0a8e1f2-0000-4000-8000-00000000000b";

    private Fauxqs fauxqs;
    private SnsClient sns;
    private SqsClient sqs;

    @BeforeAll
    void start() throws Exception {
        fauxqs = Fauxqs.start();
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
        sns = SnsClient.builder()
                .endpointOverride(fauxqs.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        sqs = SqsClient.builder()
                .endpointOverride(fauxqs.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    void stop() throws Exception {
        if (sns != null) {
            sns.close();
            sqs.close();
        }
        if (fauxqs != null) {
            fauxqs.close();
        }
    }

    @Test
    void subscriptionFilteringOnTypeReceivesOnlyThatType() {
        String topic = topic("events-filter-" + UUID.randomUUID(), false);
        String received = subscribedQueue(topic, "received-" + UUID.randomUUID(), "{\"type\":[\"message.received\"]}");
        String everything = subscribedQueue(topic, "all-" + UUID.randomUUID(), null);
        SnsEventPublisher publisher = new SnsEventPublisher(sns, topic);
        EventEnvelope message = messageReceived(CONVERSATION_A, "twilio");
        EventEnvelope status = statusChanged(CONVERSATION_A);
        EventEnvelope conversation = conversationCreated(CONVERSATION_A);

        publisher.publish(conversation);
        publisher.publish(message);
        publisher.publish(status);

        List<Message> filtered = receive(received, 1);
        assertThat(receive(everything, 3)).hasSize(3);
        assertThat(receiveNoMore(received)).isEmpty();
        assertThat(filtered).hasSize(1);
        Message only = filtered.getFirst();
        // raw delivery: the body is the envelope as webhook subscribers get it
        assertThat(json(only.body())).isEqualTo(json(Json.text(message)));
        assertThat(only.messageAttributes().get("type").stringValue()).isEqualTo("message.received");
        assertThat(only.messageAttributes().get("carrier").stringValue()).isEqualTo("twilio");
        assertThat(only.messageAttributes().get("direction").stringValue()).isEqualTo("inbound");
        assertThat(only.messageAttributes().get("conversationId").stringValue()).isEqualTo(CONVERSATION_A);
    }

    @Test
    void subscriptionFilteringOnCarrierSkipsOtherCarriersAndEventsWithoutOne() {
        String topic = topic("events-carrier-" + UUID.randomUUID(), false);
        String whatsapp = subscribedQueue(topic, "whatsapp-" + UUID.randomUUID(), "{\"carrier\":[\"whatsapp\"]}");
        SnsEventPublisher publisher = new SnsEventPublisher(sns, topic);
        EventEnvelope fromWhatsApp = messageReceived(CONVERSATION_B, "whatsapp");

        publisher.publish(messageReceived(CONVERSATION_A, "twilio"));
        publisher.publish(conversationMerged(CONVERSATION_B));
        publisher.publish(fromWhatsApp);

        List<Message> got = receive(whatsapp, 1);
        assertThat(receiveNoMore(whatsapp)).isEmpty();
        assertThat(got)
                .extracting(m -> json(m.body()).path("id").asText())
                .containsExactly(fromWhatsApp.id().toString());
    }

    @Test
    void fifoTopicKeepsEachConversationsOrderAndDropsARepeatedEvent() {
        String name = "events-fifo-" + UUID.randomUUID();
        String topic = topic(name + ".fifo", true);
        String queue = subscribedQueue(topic, "fifo-" + UUID.randomUUID() + ".fifo", null);
        SnsEventPublisher publisher = new SnsEventPublisher(sns, topic);
        List<EventEnvelope> a = List.of(
                conversationCreated(CONVERSATION_A),
                messageReceived(CONVERSATION_A, "twilio"),
                statusChanged(CONVERSATION_A));
        EventEnvelope b = messageReceived(CONVERSATION_B, "bandwidth");

        publisher.publish(a.get(0));
        publisher.publish(b);
        publisher.publish(a.get(1));
        publisher.publish(a.get(1)); // the notification step ran again: the same event, the same id
        publisher.publish(a.get(2));

        List<Message> got = receive(queue, 4);
        assertThat(receiveNoMore(queue)).isEmpty();
        assertThat(got).hasSize(4);
        Map<String, List<String>> byGroup = got.stream()
                .collect(Collectors.groupingBy(
                        m -> m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID),
                        Collectors.mapping(m -> json(m.body()).path("id").asText(), Collectors.toList())));
        assertThat(byGroup)
                .containsOnlyKeys(CONVERSATION_A, CONVERSATION_B)
                .containsEntry(
                        CONVERSATION_A, a.stream().map(e -> e.id().toString()).toList())
                .containsEntry(CONVERSATION_B, List.of(b.id().toString()));
        assertThat(got)
                .allSatisfy(m -> assertThat(m.attributes().get(MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID))
                        .isEqualTo(json(m.body()).path("id").asText()));
    }

    @Test
    void anEventOfNoConversationIsItsOwnGroup() {
        EventEnvelope lone =
                new EventEnvelope(UUID.randomUUID(), "rule.test", Instant.now(), Json.MAPPER.createObjectNode());

        assertThat(SnsEventPublisher.messageGroup(lone)).isEqualTo("event-" + lone.id());
        assertThat(SnsEventPublisher.attributes(lone)).containsOnlyKeys("type");
    }

    @Test
    void aStatusChangeHasNoDirectionAttribute() {
        assertThat(SnsEventPublisher.attributes(statusChanged(CONVERSATION_A)))
                .containsOnlyKeys("type", "carrier", "conversationId");
    }

    @Test
    void anEventOverSnsLimitIsRefusedNamingItAndNothingIsPublished() {
        String topic = topic("events-big-" + UUID.randomUUID(), false);
        String queue = subscribedQueue(topic, "big-" + UUID.randomUUID(), null);
        ObjectNode data = (ObjectNode) messageReceived(CONVERSATION_A, "twilio").data();
        data.putObject("content").put("text", "x".repeat(SnsEventPublisher.MAX_MESSAGE_BYTES));
        EventEnvelope big = new EventEnvelope(UUID.randomUUID(), "message.received", Instant.now(), data);

        assertThatThrownBy(() -> new SnsEventPublisher(sns, topic).publish(big))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(big.id().toString())
                .hasMessageContaining("over SNS's limit of 262144 bytes");
        assertThat(receiveNoMore(queue)).isEmpty();
    }

    @Test
    void aTopicThatDoesNotExistIsAClearError() {
        String missing = "arn:aws:sns:us-east-1:000000000000:no-such-topic-" + UUID.randomUUID();
        EventEnvelope event = messageReceived(CONVERSATION_A, "twilio");

        assertThatThrownBy(() -> new SnsEventPublisher(sns, missing).publish(event))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SNS refused event " + event.id())
                .hasMessageContaining(missing)
                .hasMessageContaining("NotFound");
    }

    @Test
    void aTopicIsNamedByItsArn() {
        assertThatThrownBy(() -> new SnsEventPublisher(sns, "events"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topic ARN");
    }

    // ---- fixtures ----

    private String topic(String name, boolean fifo) {
        var request = software.amazon.awssdk.services.sns.model.CreateTopicRequest.builder()
                .name(name);
        if (fifo) {
            request.attributes(Map.of("FifoTopic", "true"));
        }
        return sns.createTopic(request.build()).topicArn();
    }

    /** A queue subscribed to {@code topic} with raw delivery and {@code filterPolicy} (null: none). */
    private String subscribedQueue(String topic, String name, String filterPolicy) {
        var request = software.amazon.awssdk.services.sqs.model.CreateQueueRequest.builder()
                .queueName(name);
        if (name.endsWith(".fifo")) {
            request.attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"));
        }
        String url = sqs.createQueue(request.build()).queueUrl();
        String arn = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
        Map<String, String> attributes = new java.util.HashMap<>(Map.of("RawMessageDelivery", "true"));
        if (filterPolicy != null) {
            attributes.put("FilterPolicy", filterPolicy);
        }
        sns.subscribe(b -> b.topicArn(topic)
                .protocol("sqs")
                .endpoint(arn)
                .attributes(attributes)
                .returnSubscriptionArn(true));
        return url;
    }

    /** Receives until {@code expected} messages came (each deleted), or 10 s passed. */
    private List<Message> receive(String queue, int expected) {
        List<Message> got = new ArrayList<>();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (got.size() < expected && Instant.now().isBefore(deadline)) {
            got.addAll(receiveOnce(queue, 1));
        }
        return got;
    }

    /** What else is on the queue: a short wait, since a delivery that was not filtered out comes at once. */
    private List<Message> receiveNoMore(String queue) {
        return receiveOnce(queue, 1);
    }

    private List<Message> receiveOnce(String queue, int waitSeconds) {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queue)
                        .maxNumberOfMessages(10)
                        .waitTimeSeconds(waitSeconds)
                        .messageAttributeNames("All")
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                .messages();
        for (Message message : messages) {
            sqs.deleteMessage(b -> b.queueUrl(queue).receiptHandle(message.receiptHandle()));
        }
        return messages;
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    /** As the notification step builds them: the message as the API shows it. */
    private static EventEnvelope messageReceived(String conversation, String carrier) {
        ObjectNode data = Json.MAPPER
                .createObjectNode()
                .put("messageId", UUID.randomUUID().toString())
                .put("conversationId", conversation)
                .put("direction", "inbound")
                .put("carrier", carrier)
                .put("sender", "+14155550100")
                .put("status", "received");
        data.putObject("content").put("type", "text").put("text", "hello");
        return new EventEnvelope(UUID.randomUUID(), "message.received", now(), data);
    }

    private static EventEnvelope statusChanged(String conversation) {
        ObjectNode data = Json.MAPPER
                .createObjectNode()
                .put("messageId", UUID.randomUUID().toString())
                .put("conversationId", conversation)
                .put("carrier", "twilio")
                .put("previousStatus", "sent")
                .put("status", "delivered");
        return new EventEnvelope(UUID.randomUUID(), "message.status", now(), data);
    }

    private static EventEnvelope conversationCreated(String conversation) {
        ObjectNode data = Json.MAPPER
                .createObjectNode()
                .put("conversationId", conversation)
                .put("participant", "+14155550100")
                .put("carrier", "twilio");
        return new EventEnvelope(UUID.randomUUID(), "conversation.created", now(), data);
    }

    /** A conversation joined another: the one event type whose data names no carrier. */
    private static EventEnvelope conversationMerged(String conversation) {
        ObjectNode data = Json.MAPPER
                .createObjectNode()
                .put("conversationId", conversation)
                .put("participant", "+14155550100")
                .put("mergedFrom", UUID.randomUUID().toString())
                .put("alias", "whatsapp-user:US.13491208655302741918");
        return new EventEnvelope(UUID.randomUUID(), "conversation.merged", now(), data);
    }
}
