package io.omniservice.aws.queue;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.omniservice.core.outbound.Priority;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/** What SQS answers that ElasticMQ never does, played by WireMock in SQS's JSON protocol. */
class SendQueueErrorsTest {
    private static final String JSON = "application/x-amz-json-1.0";
    private static final String DEAD_ARN = "arn:aws:sqs:us-east-1:000000000000:errors-dead.fifo";

    private WireMockServer sqsApi;

    @BeforeEach
    void start() {
        sqsApi = new WireMockServer(options().dynamicPort());
        sqsApi.start();
    }

    @AfterEach
    void stop() {
        sqsApi.stop();
    }

    private static SqsClient client(int port) {
        return SqsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + port))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /** Queues that exist and redrive as configured, so that opening the send queue succeeds. */
    private void queuesExist() {
        sqsApi.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("AmazonSQS.GetQueueUrl"))
                .willReturn(aResponse()
                        .withHeader("Content-Type", JSON)
                        .withBody("{\"QueueUrl\":\"" + sqsApi.baseUrl() + "/000000000000/errors.fifo\"}")));
        String redrive = "{\\\"deadLetterTargetArn\\\":\\\"" + DEAD_ARN + "\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}";
        sqsApi.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("AmazonSQS.GetQueueAttributes"))
                .willReturn(aResponse()
                        .withHeader("Content-Type", JSON)
                        .withBody("{\"Attributes\":{\"QueueArn\":\"" + DEAD_ARN + "\",\"RedrivePolicy\":\"" + redrive
                                + "\"}}")));
    }

    @Test
    void aThrottledCallBecomesAThrottledErrorNamingTheQueue() {
        queuesExist();
        sqsApi.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("AmazonSQS.SendMessage"))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", JSON)
                        .withHeader("x-amzn-query-error", "RequestThrottled;Sender")
                        .withBody("{\"__type\":\"com.amazonaws.sqs#RequestThrottled\","
                                + "\"message\":\"Request is throttled.\"}")));
        try (SqsClient sqs = client(sqsApi.port())) {
            SendQueue queue = SendQueue.open(sqs, new SendQueueSettings("errors", 5, false), Clock.systemUTC());

            assertThatThrownBy(() -> queue.enqueue(new SendTicket(
                            "m-1", "c-1", 1, Priority.HIGH, Instant.now().minusSeconds(1))))
                    .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                            .isEqualTo(SendQueueException.Kind.THROTTLED))
                    .hasMessageContaining("errors-high.fifo");
        }
        sqsApi.verify(
                1, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo("AmazonSQS.SendMessage")));
    }

    @Test
    void anExpiredReceiptOfAFifoQueueMeansTheLeaseWasLost() {
        queuesExist();
        sqsApi.stubFor(post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo("AmazonSQS.DeleteMessage"))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", JSON)
                        .withHeader("x-amzn-query-error", "InvalidParameterValue;Sender")
                        .withBody("{\"__type\":\"com.amazonaws.sqs#InvalidParameterValue\",\"message\":"
                                + "\"Value abc for parameter ReceiptHandle is invalid. Reason: The receipt handle"
                                + " has expired.\"}")));
        try (SqsClient sqs = client(sqsApi.port())) {
            SendQueue queue = SendQueue.open(sqs, new SendQueueSettings("errors", 5, false), Clock.systemUTC());

            assertThatThrownBy(() -> queue.done(new Receipt(Priority.NORMAL, "abc")))
                    .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                            .isEqualTo(SendQueueException.Kind.LEASE_LOST))
                    .hasMessageContaining("errors-normal.fifo");
        }
    }

    @Test
    void anSqsThatCannotBeReachedIsSaidSoAtStart() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (SqsClient sqs = client(closed)) {
            assertThatThrownBy(() -> SendQueue.open(sqs, new SendQueueSettings("errors", 5, false), Clock.systemUTC()))
                    .isInstanceOfSatisfying(SendQueueException.class, e -> assertThat(e.kind())
                            .isEqualTo(SendQueueException.Kind.UNREACHABLE))
                    .hasMessageContaining("cannot reach SQS")
                    .hasMessageContaining("errors-dead.fifo");
        }
    }
}
