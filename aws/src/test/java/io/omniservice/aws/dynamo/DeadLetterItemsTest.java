package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.DeadLetter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeadLetterItemsTest {
    private FakeDynamo dynamo;
    private Tables tables;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
    }

    /** Each test lists what it wrote only. */
    @org.junit.jupiter.api.BeforeEach
    void freshTables() {
        tables = new Tables(FakeDynamo.uniquePrefix("dead-letters"));
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    private DynamoDbClient client() {
        return dynamo.client();
    }

    private void put(DeadLetter letter) {
        client().transactWriteItems(r -> r.transactItems(TransactWriteItem.builder()
                .put(DeadLetterItems.put(tables, letter))
                .build()));
    }

    @Test
    void aLetterReadsBackAsWrittenAndTheListingIsNewestFirst() throws Exception {
        DeadLetter older = DeadLetterItems.letter(
                DeadLetterItems.SEND,
                "m-older",
                Json.MAPPER.readTree("{\"plan\":{\"to\":\"+14155550100\"}}"),
                3,
                "circuit_open: every carrier failed",
                Instant.parse("2026-03-01T10:00:00.123456789Z"));
        DeadLetter newer = DeadLetterItems.letter(
                DeadLetterItems.CALLBACK,
                "m-newer",
                Json.MAPPER.readTree("{\"url\":\"https://example.com/cb\",\"event\":{\"type\":\"message.status\"}}"),
                5,
                "HTTP 500",
                Instant.parse("2026-03-01T11:00:00Z"));
        put(older);
        put(newer);

        List<DeadLetter> listed = DeadLetterItems.newest(client(), tables, 10);

        assertThat(listed).containsExactly(newer, older);
        assertThat(older.createdAt()).isEqualTo(Instant.parse("2026-03-01T10:00:00.123456Z"));
        assertThat(DeadLetterItems.newest(client(), tables, 1)).containsExactly(newer);
    }

    @Test
    void aLetterIsMarkedReplayedOnceAndAnUnknownOneNotAtAll() throws Exception {
        DeadLetter letter = DeadLetterItems.letter(
                DeadLetterItems.WORKFLOW,
                "m-replay",
                Json.MAPPER.readTree("{\"step\":2}"),
                4,
                "boom",
                Instant.parse("2026-03-02T00:00:00Z"));
        put(letter);
        Instant at = Instant.parse("2026-03-02T01:00:00Z");
        TransactWriteItem mark = TransactWriteItem.builder()
                .update(DeadLetterItems.markReplayed(tables, letter.id(), at))
                .build();

        client().transactWriteItems(r -> r.transactItems(mark));

        assertThatThrownBy(() -> client().transactWriteItems(r -> r.transactItems(mark)))
                .isInstanceOf(DynamoDbException.class);
        assertThatThrownBy(() -> client().transactWriteItems(r -> r.transactItems(TransactWriteItem.builder()
                        .update(DeadLetterItems.markReplayed(tables, "no-such-letter", at))
                        .build())))
                .isInstanceOf(DynamoDbException.class);
        DeadLetter read = DeadLetterItems.read(
                DeadLetterItems.find(client(), tables, letter.id()).orElseThrow());
        assertThat(read.replayedAt()).isEqualTo(at);
        assertThat(DeadLetterItems.find(client(), tables, "no-such-letter")).isEmpty();
    }

    @Test
    void aKindKeepsItsOwnAttributesBesideTheLetterButCannotOverwriteIt() throws Exception {
        DeadLetter letter = DeadLetterItems.letter(
                DeadLetterItems.SEND, "m-extra", Json.MAPPER.readTree("{}"), 1, null, Instant.now());
        client().transactWriteItems(r -> r.transactItems(TransactWriteItem.builder()
                .put(DeadLetterItems.put(tables, letter, Map.of("ticket", AttributeValue.fromN("7"))))
                .build()));

        Map<String, AttributeValue> item =
                DeadLetterItems.find(client(), tables, letter.id()).orElseThrow();
        assertThat(item.get("ticket").n()).isEqualTo("7");
        assertThat(DeadLetterItems.read(item)).isEqualTo(letter);
        assertThatThrownBy(() -> DeadLetterItems.put(
                        tables, letter, Map.of(Tables.DeadLetters.PAYLOAD, AttributeValue.fromS("{}"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload");
    }

    @Test
    void theSameLetterIsNotPutTwice() throws Exception {
        DeadLetter letter = DeadLetterItems.letter(
                DeadLetterItems.SEND, "m-twice", Json.MAPPER.readTree("{}"), 1, "x", Instant.now());
        put(letter);
        assertThatThrownBy(() -> put(letter)).isInstanceOf(DynamoDbException.class);
    }
}
