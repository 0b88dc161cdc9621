package io.omniservice.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.aws.sns.Fauxqs;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The end-to-end suite on {@code storage.mode: aws}: the gateway process keeps everything in DynamoDB, sends
 * through SQS FIFO, keeps media in S3 and publishes every event to an SNS topic, each played on this machine.
 * Beside the suite: what an SNS subscriber with a filter policy gets, and one rate budget across two nodes.
 */
class AwsEndToEndTest extends EndToEndSuite {
    private static final String BUDGET_KEY = "e2e-budget-key";
    private static final int BUDGET_BURST = 10;

    private AwsEmulators aws;
    private GatewayProcess.Setup nodeSetup;
    private Fauxqs fauxqs;
    private SnsClient sns;
    private SqsClient sqs;
    /** An SQS queue subscribed to the topic for WhatsApp's received messages only, with raw delivery. */
    private String whatsappReceived;

    @Override
    protected GatewayProcess.Setup setup() throws Exception {
        aws = AwsEmulators.start();
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
        String topic = sns.createTopic(b -> b.name("e2e-events")).topicArn();
        whatsappReceived =
                sqs.createQueue(b -> b.queueName("e2e-whatsapp-received")).queueUrl();
        String queueArn = sqs.getQueueAttributes(
                        b -> b.queueUrl(whatsappReceived).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(b -> b.topicArn(topic)
                .protocol("sqs")
                .endpoint(queueArn)
                .attributes(Map.of(
                        "RawMessageDelivery",
                        "true",
                        "FilterPolicy",
                        "{\"type\": [\"message.received\"], \"carrier\": [\"whatsapp\"]}")));
        nodeSetup = aws.setupPublishing("e2e-", "aws-node", fauxqs.endpoint(), topic)
                .withMoreApiKeys("- {name: budget, key: %s, rateLimit: {requestsPerSecond: 1, burst: %d}}"
                        .formatted(BUDGET_KEY, BUDGET_BURST));
        return nodeSetup;
    }

    @Override
    protected void tearDown() throws Exception {
        try {
            if (sns != null) {
                sns.close();
                sqs.close();
            }
            if (fauxqs != null) {
                fauxqs.close();
            }
        } finally {
            if (aws != null) {
                aws.close();
            }
        }
    }

    /** How often the message's history records {@code carrierStatus}. */
    private static long historyCount(JsonNode message, String carrierStatus) {
        long count = 0;
        for (JsonNode change : message.path("statusHistory")) {
            if (carrierStatus.equals(change.path("carrierStatus").asText())) {
                count++;
            }
        }
        return count;
    }

    @Test
    void aReceiptDeadlineInDynamoDbFiresOnceForASendWithoutItsReceiptAndNotForOneThatGotIt() throws Exception {
        String fallback = "\"options\": {\"fallback\": {\"afterSeconds\": 5, \"onTimeout\": \"notify\"}}";
        String answeredTo = "+16505550171";
        String answered = postMessage("""
                {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "Table for two?"}, %s}""".formatted(answeredTo, fallback));
        String silent = postMessage("""
                {"to": {"phoneNumber": "+16505550172"}, "content": {"type": "text", "text": "Table for four?"}, %s}""".formatted(fallback));
        awaitMessage(answered, m -> "sent".equals(m.path("status").asText()), "sent over the played Bandwidth");
        bandwidthDelivered(answeredTo, answered);

        JsonNode timedOut = awaitMessage(
                silent, m -> historyCount(m, "delivery_timeout") > 0, "its deadline recorded without a receipt");
        assertThat(timedOut.path("status").asText()).isEqualTo("sent");
        // the other deadline came first; give both a sweep more to show nothing else is recorded
        Thread.sleep(3_000);
        assertThat(historyCount(api.getJson("/v1/messages/" + silent), "delivery_timeout"))
                .isEqualTo(1);
        JsonNode delivered = api.getJson("/v1/messages/" + answered);
        assertThat(delivered.path("status").asText()).isEqualTo("delivered");
        assertThat(historyCount(delivered, "delivery_timeout")).isZero();
    }

    @Test
    void anSnsSubscriberGetsTheEventsItsFilterPolicyNames() throws Exception {
        String wamid = "wamid.HBgL" + UUID.randomUUID().toString().replace("-", "");
        String twilioSid = "SM" + UUID.randomUUID().toString().replace("-", "");
        assertThat(api.send(webhooks.twilioSms(twilioSid, "+16505550190", "over SMS"))
                        .statusCode())
                .isEqualTo(200);
        assertThat(api.send(webhooks.whatsappText("16505550190", wamid, "over WhatsApp"))
                        .statusCode())
                .isEqualTo(200);

        List<JsonNode> received = new ArrayList<>();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (received.stream()
                        .noneMatch(
                                e -> wamid.equals(e.at("/data/carrierMessageId").asText()))
                && Instant.now().isBefore(deadline)) {
            for (Message message : sqs.receiveMessage(b ->
                            b.queueUrl(whatsappReceived).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages()) {
                received.add(GatewayApi.JSON.readTree(message.body()));
                sqs.deleteMessage(b -> b.queueUrl(whatsappReceived).receiptHandle(message.receiptHandle()));
            }
        }
        assertThat(received)
                .as("the envelope a webhook subscriber gets, for the WhatsApp message")
                .anySatisfy(event -> {
                    assertThat(event.path("type").asText()).isEqualTo("message.received");
                    assertThat(event.at("/data/carrierMessageId").asText()).isEqualTo(wamid);
                    assertThat(event.at("/data/content/body").asText()).isEqualTo("over WhatsApp");
                });
        assertThat(received)
                .as("events the filter policy leaves out: other carriers, other types")
                .allSatisfy(event -> {
                    assertThat(event.path("type").asText()).isEqualTo("message.received");
                    assertThat(event.at("/data/carrier").asText()).isEqualTo("whatsapp");
                });
    }

    @Test
    void aClientsRateLimitIsOneBudgetAcrossNodes() throws Exception {
        Path second = Files.createDirectories(directory.resolve("second-node"));
        try (GatewayProcess other = GatewayProcess.start(second, nodeSetup.withNodeId("aws-node-2"))) {
            HttpClient client = HttpClient.newHttpClient();
            List<GatewayProcess> nodes = List.of(gateway, other);
            AtomicInteger admitted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            long started = System.nanoTime();
            List<Thread> requests = new ArrayList<>();
            for (int i = 0; i < 4 * BUDGET_BURST; i++) {
                GatewayProcess node = nodes.get(i % 2);
                requests.add(Thread.ofVirtual().start(() -> {
                    try {
                        int status = client.send(
                                        HttpRequest.newBuilder(node.uri("/v1/conversations?limit=1"))
                                                .header("Authorization", "Bearer " + BUDGET_KEY)
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode();
                        (status == 429 ? refused : admitted).incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread request : requests) {
                request.join();
            }
            long seconds = (System.nanoTime() - started + 999_999_999L) / 1_000_000_000L;
            // one budget: the burst, and one more a second while the requests ran; a bucket per node would have
            // admitted the burst on each
            assertThat(admitted.get())
                    .as("admitted of %d in %d s over two nodes", 4 * BUDGET_BURST, seconds)
                    .isBetween(BUDGET_BURST, BUDGET_BURST + (int) seconds);
            assertThat(admitted.get() + refused.get()).isEqualTo(4 * BUDGET_BURST);
        }
    }
}
