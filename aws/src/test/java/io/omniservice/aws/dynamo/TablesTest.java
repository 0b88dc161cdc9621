package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TablesTest {
    private FakeDynamo dynamo;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    @Test
    void createMakesEveryTableWithItsIndexesOnceUnderThePrefix() {
        Tables tables = new Tables(FakeDynamo.uniquePrefix("tables"));

        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);

        List<String> names = dynamo.client().listTablesPaginator().tableNames().stream()
                .filter(n -> n.startsWith(tables.name(Tables.MESSAGES).replace("messages", "")))
                .toList();
        assertThat(names).hasSize(Tables.ALL.size());
        TableDescription messages = dynamo.client()
                .describeTable(r -> r.tableName(tables.name(Tables.MESSAGES)))
                .table();
        assertThat(messages.globalSecondaryIndexes())
                .extracting(GlobalSecondaryIndexDescription::indexName)
                .containsExactlyInAnyOrder(Tables.Messages.CARRIER_INDEX, Tables.Messages.STATUS_INDEX);
        assertThat(tables.createRequest(Tables.MESSAGES).billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
    }

    @Test
    void createTurnsTimeToLiveOnWhereATableHasIt() {
        var wiremock = new com.github.tomakehurst.wiremock.WireMockServer(
                com.github.tomakehurst.wiremock.core.WireMockConfiguration.options()
                        .dynamicPort()
                        .bindAddress("127.0.0.1"));
        wiremock.start();
        try (var client = FakeDynamo.client(java.net.URI.create("http://127.0.0.1:" + wiremock.port()))) {
            answer(wiremock, "ListTables", "{\"TableNames\":[]}");
            answer(wiremock, "CreateTable", "{\"TableDescription\":{\"TableStatus\":\"CREATING\"}}");
            answer(wiremock, "DescribeTable", "{\"Table\":{\"TableStatus\":\"ACTIVE\"}}");
            answer(
                    wiremock,
                    "UpdateTimeToLive",
                    "{\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"expiresAt\"}}");

            new Tables("ttl-").create(client, Tables.TimeToLive.ENABLE);

            wiremock.verify(Tables.ALL.size(), target("CreateTable"));
            wiremock.verify(2, target("UpdateTimeToLive"));
            for (String table : List.of("ttl-keys", "ttl-published-events")) {
                wiremock.verify(
                        1,
                        target("UpdateTimeToLive")
                                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.equalToJson(
                                        "{\"TableName\":\"" + table + "\",\"TimeToLiveSpecification\":"
                                                + "{\"Enabled\":true,\"AttributeName\":\"expiresAt\"}}")));
            }
        } finally {
            wiremock.stop();
        }
    }

    private static com.github.tomakehurst.wiremock.matching.RequestPatternBuilder target(String operation) {
        return com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                        com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/"))
                .withHeader(
                        "X-Amz-Target",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("DynamoDB_20120810." + operation));
    }

    private static void answer(com.github.tomakehurst.wiremock.WireMockServer wiremock, String operation, String body) {
        wiremock.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(
                        com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/"))
                .withHeader(
                        "X-Amz-Target",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("DynamoDB_20120810." + operation))
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                        .withHeader("Content-Type", "application/x-amz-json-1.0")
                        .withBody(body)));
    }

    @Test
    void aPrefixThatNoTableNameMayHoldIsRefused() {
        assertThatThrownBy(() -> new Tables("bad prefix/")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> new Tables("ok-", 0)).hasMessageContaining("shards");
    }

    @Test
    void shardsAreFixedPerIdAndSpreadOverEveryBucket() {
        Tables tables = new Tables("x-", 8);
        assertThat(tables.shardOf("m-1")).isEqualTo(tables.shardOf("m-1"));
        assertThat(java.util.stream.IntStream.range(0, 1000)
                        .map(i -> tables.shardOf("m-" + i))
                        .distinct()
                        .count())
                .isEqualTo(8);
    }

    @Test
    void sortableTimeOrdersAsTimeAndReadsBack() {
        Instant early = Instant.parse("2026-03-01T10:15:30.1Z");
        Instant late = Instant.parse("2026-03-01T10:15:30.123456789Z");
        assertThat(SortableTime.format(early)).isEqualTo("2026-03-01T10:15:30.100000Z");
        assertThat(SortableTime.format(early)).isLessThan(SortableTime.format(late));
        assertThat(SortableTime.parse(SortableTime.format(late)))
                .isEqualTo(Instant.parse("2026-03-01T10:15:30.123456Z"));
        assertThatThrownBy(() -> SortableTime.format(Instant.parse("+10000-01-01T00:00:00Z")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
