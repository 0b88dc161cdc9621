package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.aws.dynamo.Tables.Settings;
import io.omniservice.core.access.ClientSecret;
import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.json.Json;
import io.omniservice.core.store.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Clients' signing secrets: one item per client in the {@code client-secret} partition of {@code settings}. A
 * rotation is written on the condition that the secret it replaces is still the one read, so two rotations at
 * once keep both in order: the later one's previous secret is the earlier one's.
 */
public final class DynamoDbClientSecretStore implements ClientSecretStore {
    /** Rotations that lost a race to another rotation of the same client before giving up. */
    private static final int RACES = 10;

    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;
    private final Reads reads;

    public DynamoDbClientSecretStore(DynamoDbClient client, Tables tables, Clock clock) {
        this.client = client;
        this.tables = tables;
        this.clock = clock;
        this.reads = new Reads(client);
    }

    private static Map<String, AttributeValue> key(String clientId) {
        return Map.of(Settings.KIND, s(Settings.CLIENT_SECRET), Settings.ID, s(clientId));
    }

    @Override
    public Optional<ClientSecret> clientSecret(String clientId) {
        Map<String, AttributeValue> item = reads.get(tables.name(Tables.SETTINGS), key(clientId));
        return item == null ? Optional.empty() : Optional.of(secret(item));
    }

    @Override
    public ClientSecret rotateClientSecret(String clientId, String fresh, Duration overlap) {
        for (int race = 1; race <= RACES; race++) {
            Map<String, AttributeValue> item = reads.get(tables.name(Tables.SETTINGS), key(clientId));
            String previous = item == null ? null : secret(item).secret();
            Instant now = SortableTime.stored(clock.instant());
            ClientSecret rotated = new ClientSecret(fresh, previous, previous == null ? null : now.plus(overlap), now);
            Map<String, AttributeValue> next = new HashMap<>(key(clientId));
            next.put(Settings.VALUE, s(Json.text(json(rotated))));
            next.put(Settings.CREATED_AT, item == null ? Items.time(now) : item.get(Settings.CREATED_AT));
            PutItemRequest.Builder put = PutItemRequest.builder()
                    .tableName(tables.name(Tables.SETTINGS))
                    .item(next)
                    .expressionAttributeNames(Map.of("#value", Settings.VALUE));
            if (item == null) {
                put.conditionExpression("attribute_not_exists(#value)");
            } else {
                put.conditionExpression("#value = :read")
                        .expressionAttributeValues(Map.of(":read", item.get(Settings.VALUE)));
            }
            try {
                client.putItem(put.build());
                return rotated;
            } catch (ConditionalCheckFailedException raced) {
                // another node rotated it meanwhile: rotate after that one
            } catch (SdkException e) {
                throw Transactions.failure("the client's signing secret was not rotated", e);
            }
        }
        throw new StorageException(
                "the client's signing secret was not rotated: it was rotated elsewhere " + RACES + " times meanwhile",
                null);
    }

    private static ObjectNode json(ClientSecret secret) {
        ObjectNode value = Json.MAPPER.createObjectNode();
        value.put("secret", secret.secret());
        value.put("previous", secret.previous());
        value.put("previousUntil", secret.previousUntil() == null ? null : SortableTime.format(secret.previousUntil()));
        value.put("rotatedAt", secret.rotatedAt() == null ? null : SortableTime.format(secret.rotatedAt()));
        return value;
    }

    private static ClientSecret secret(Map<String, AttributeValue> item) {
        JsonNode value;
        try {
            value = Json.MAPPER.readTree(Items.string(item, Settings.VALUE));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored client secret is not JSON", e);
        }
        return new ClientSecret(
                text(value, "secret"),
                text(value, "previous"),
                SortableTime.parse(text(value, "previousUntil")),
                SortableTime.parse(text(value, "rotatedAt")));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
