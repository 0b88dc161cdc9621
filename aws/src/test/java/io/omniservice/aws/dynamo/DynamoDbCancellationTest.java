package io.omniservice.aws.dynamo;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Sender;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.StorageException;
import io.omniservice.store.contract.MessageStoreContract;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What the http4k fake does not model, played by WireMock with the JSON error bodies DynamoDB documents: a
 * cancelled transaction with its {@code CancellationReasons}, and throttling. The SDK's own retries are off
 * here, so each retry seen is the store's.
 */
class DynamoDbCancellationTest {
    private static final String TARGET = "X-Amz-Target";
    private static final String TRANSACT = "DynamoDB_20120810.TransactWriteItems";
    private static final String BATCH_GET = "DynamoDB_20120810.BatchGetItem";
    private static final String JSON = "application/x-amz-json-1.0";

    private WireMockServer dynamo;
    private DynamoDbClient client;
    private DynamoDbMessageStore store;
    private final Tables tables = new Tables("wm-");

    @BeforeEach
    void start() {
        dynamo = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        dynamo.start();
        // the store makes its cursor key at start; nothing else is stored before a test's own answers
        answer("DynamoDB_20120810.PutItem", "{}");
        answer(BATCH_GET, "{\"Responses\":{},\"UnprocessedKeys\":{}}");
        client = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + dynamo.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        store = new DynamoDbMessageStore(client, tables, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        client.close();
        dynamo.stop();
    }

    @Test
    void aCancellationOnTheSeenItemIsACarriersRepeatAndStoresNothing() {
        var item = message("cm-repeat");
        dynamo.stubFor(
                post(urlEqualTo("/"))
                        .withHeader(TARGET, equalTo(TRANSACT))
                        .inScenario("repeat")
                        .whenScenarioStateIs(Scenario.STARTED)
                        .willSetStateTo("stored by another node")
                        .willReturn(
                                aResponse()
                                        .withStatus(400)
                                        .withHeader("Content-Type", JSON)
                                        // one reason per action: the message, its location, its seen item (third), the
                                        // conversation, two events and the conversation's event head
                                        .withBody(
                                                cancelled(
                                                        "None, None, ConditionalCheckFailed, None, None, None, None",
                                                        "{\"Code\":\"None\"},{\"Code\":\"None\"},"
                                                                + "{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\","
                                                                + "\"Item\":{\"key\":{\"S\":\"carrier#twilio#cm-repeat\"},"
                                                                + "\"messageId\":{\"S\":\"0190a000-0000-7000-8000-000000000001\"}}},"
                                                                + "{\"Code\":\"None\"},{\"Code\":\"None\"},{\"Code\":\"None\"},{\"Code\":\"None\"}"))));
        // read again, the seen item now names the message another node stored
        dynamo.stubFor(
                post(urlEqualTo("/"))
                        .withHeader(TARGET, equalTo(BATCH_GET))
                        .withRequestBody(containing("wm-keys"))
                        .inScenario("repeat")
                        .whenScenarioStateIs("stored by another node")
                        .atPriority(1)
                        .willReturn(
                                json(
                                        "{\"Responses\":{\"wm-keys\":[{\"key\":{\"S\":\"carrier#twilio#cm-repeat\"},"
                                                + "\"messageId\":{\"S\":\"0190a000-0000-7000-8000-000000000001\"}}]},\"UnprocessedKeys\":{}}")));

        CommitResult result = store.commit(MessageStoreContract.batch(item));

        assertThat(result).isEqualTo(new CommitResult(List.of(), 1, 0, 0, 0));
        dynamo.verify(1, postRequestedFor(urlEqualTo("/")).withHeader(TARGET, equalTo(TRANSACT)));
    }

    @Test
    void aTransactionConflictIsWrittenAgainAfterAPause() {
        var item = message("cm-conflict");
        dynamo.stubFor(post(urlEqualTo("/"))
                .withHeader(TARGET, equalTo(TRANSACT))
                .inScenario("conflict")
                .whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("free")
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", JSON)
                        .withBody(cancelled(
                                "None, TransactionConflict",
                                "{\"Code\":\"None\"},{\"Code\":\"TransactionConflict\","
                                        + "\"Message\":\"Transaction is ongoing for the item\"}"))));
        dynamo.stubFor(post(urlEqualTo("/"))
                .withHeader(TARGET, equalTo(TRANSACT))
                .inScenario("conflict")
                .whenScenarioStateIs("free")
                .willReturn(json("{}")));

        CommitResult result = store.commit(MessageStoreContract.batch(item));

        assertThat(result.storedMessageIds()).containsExactly(item.message().messageId());
        dynamo.verify(2, postRequestedFor(urlEqualTo("/")).withHeader(TARGET, equalTo(TRANSACT)));
    }

    @Test
    void throttledReadsAndWritesAreTriedAgain() {
        var item = message("cm-throttled");
        dynamo.stubFor(
                post(urlEqualTo("/"))
                        .withHeader(TARGET, equalTo(BATCH_GET))
                        .inScenario("throttled")
                        .whenScenarioStateIs(Scenario.STARTED)
                        .willSetStateTo("read")
                        .atPriority(1)
                        .willReturn(
                                aResponse()
                                        .withStatus(400)
                                        .withHeader("Content-Type", JSON)
                                        .withBody(
                                                "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
                                                        + "\"message\":\"The level of configured provisioned throughput for the table was exceeded."
                                                        + " Consider increasing your provisioning level with the UpdateTable API.\"}")));
        dynamo.stubFor(post(urlEqualTo("/"))
                .withHeader(TARGET, equalTo(TRANSACT))
                .inScenario("throttled")
                .whenScenarioStateIs("read")
                .willSetStateTo("written")
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", JSON)
                        .withBody("{\"__type\":\"com.amazon.coral.availability#ThrottlingException\","
                                + "\"message\":\"Rate of requests exceeds the allowed throughput.\"}")));
        dynamo.stubFor(post(urlEqualTo("/"))
                .withHeader(TARGET, equalTo(TRANSACT))
                .inScenario("throttled")
                .whenScenarioStateIs("written")
                .willReturn(json("{}")));

        CommitResult result = store.commit(MessageStoreContract.batch(item));

        assertThat(result.storedMessageIds()).containsExactly(item.message().messageId());
        dynamo.verify(2, postRequestedFor(urlEqualTo("/")).withHeader(TARGET, equalTo(TRANSACT)));
    }

    @Test
    void aReasonThatNoRetryCanHelpFailsAtOnceWithoutQuotingTheData() {
        var item = message("cm-invalid");
        dynamo.stubFor(post(urlEqualTo("/"))
                .withHeader(TARGET, equalTo(TRANSACT))
                .willReturn(aResponse()
                        .withStatus(400)
                        .withHeader("Content-Type", JSON)
                        .withBody(cancelled(
                                "ValidationError",
                                "{\"Code\":\"ValidationError\",\"Message\":\"Item size has exceeded the maximum allowed"
                                        + " size: " + item.message().sender().address() + "\"}"))));

        assertThatThrownBy(() -> store.commit(MessageStoreContract.batch(item)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("TransactionCanceledException")
                .hasMessageContaining("ValidationError")
                .satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain(item.message().sender().address()));
        dynamo.verify(1, postRequestedFor(urlEqualTo("/")).withHeader(TARGET, equalTo(TRANSACT)));
    }

    private static io.omniservice.core.store.InboundBatch.NewMessage message(String carrierMessageId) {
        return MessageStoreContract.inbound(
                CarrierType.TWILIO,
                carrierMessageId,
                Sender.phone(MessageStoreContract.phone(), null),
                MessageStoreContract.now(),
                MessageStoreContract.text("hello"));
    }

    private void answer(String target, String body) {
        dynamo.stubFor(post(urlEqualTo("/"))
                .withHeader(TARGET, equalTo(target))
                .atPriority(10)
                .willReturn(json(body)));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", JSON).withBody(body);
    }

    /** DynamoDB's documented body of a cancelled transaction: one reason per action, in request order. */
    private static String cancelled(String summary, String reasons) {
        return "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                + "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons ["
                + summary + "]\",\"CancellationReasons\":[" + reasons + "]}";
    }
}
