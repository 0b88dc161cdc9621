package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.aws.dynamo.Tables.Settings;
import io.omniservice.core.access.Audience;
import io.omniservice.core.json.Json;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.notify.PublishedEvent;
import io.omniservice.core.notify.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Subscriptions (the {@code subscription} partition of {@code settings}, one strongly consistent Query for all
 * of them) and the log of published events ({@link PublishedLog}) on DynamoDB.
 */
public final class DynamoDbNotificationStore implements NotificationStore {
    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;
    private final PublishedLog log;

    /**
     * @param retention how long an event stays in the log at most (DynamoDB's TTL deletes it after; pruning
     *     deletes sooner), or null for no TTL
     */
    public DynamoDbNotificationStore(DynamoDbClient client, Tables tables, Clock clock, Duration retention) {
        this.client = client;
        this.tables = tables;
        this.clock = clock;
        this.log = new PublishedLog(client, tables, retention);
    }

    @Override
    public Subscription addSubscription(Subscription subscription) {
        Subscription stored = new Subscription(
                "sub_" + UUID.randomUUID().toString().replace("-", ""),
                subscription.url(),
                new LinkedHashSet<>(subscription.events()),
                subscription.secret(),
                SortableTime.stored(clock.instant()),
                subscription.client(),
                subscription.seesAll());
        try {
            client.putItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                    .item(item(stored))
                    .conditionExpression("attribute_not_exists(#value)")
                    .expressionAttributeNames(Map.of("#value", Settings.VALUE)));
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw Transactions.failure("the subscription was not stored", e);
        }
        return stored;
    }

    @Override
    public List<Subscription> subscriptions(Audience audience) {
        return all(client, tables).stream()
                .filter(s -> audience.everything()
                        || (audience.client() != null && audience.client().equals(s.client())))
                .toList();
    }

    @Override
    public Optional<Subscription> subscription(String id) {
        return Optional.ofNullable(
                subscriptionsById(client, tables, List.of(id)).get(id));
    }

    /**
     * Deletes the subscription. Its deliveries still waiting are dropped when they are next claimed (they
     * live in their orders' partitions, which a subscription does not name).
     */
    @Override
    public boolean deleteSubscription(String id) {
        var deleted = client.deleteItem(
                r -> r.tableName(tables.name(Tables.SETTINGS)).key(key(id)).returnValues(ReturnValue.ALL_OLD));
        return deleted.hasAttributes() && deleted.attributes().containsKey(Settings.VALUE);
    }

    @Override
    public List<PublishedEvent> publishedAfter(long position, Set<String> types, int max, Audience audience) {
        return log.after(position, types, max, audience);
    }

    @Override
    public long lastPosition() {
        return log.head().lastPosition();
    }

    @Override
    public int prunePublishedBefore(Instant before) {
        return log.pruneBefore(before);
    }

    // ---- the codec of a subscription's item -------------------------------------------------------------

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(Settings.KIND, s(Settings.SUBSCRIPTION), Settings.ID, s(id));
    }

    static Map<String, AttributeValue> item(Subscription subscription) {
        ObjectNode value = Json.MAPPER.createObjectNode();
        value.put("url", subscription.url());
        value.set("events", Json.MAPPER.valueToTree(List.copyOf(subscription.events())));
        value.put("secret", subscription.secret());
        value.put("client", subscription.client());
        value.put("seesAll", subscription.seesAll());
        Map<String, AttributeValue> item = new HashMap<>(key(subscription.id()));
        item.put(Settings.VALUE, s(Json.text(value)));
        item.put(Settings.CREATED_AT, Items.time(subscription.createdAt()));
        return item;
    }

    static Subscription subscription(Map<String, AttributeValue> item) {
        JsonNode value;
        try {
            value = Json.MAPPER.readTree(Items.string(item, Settings.VALUE));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored subscription is not JSON", e);
        }
        Set<String> events = new LinkedHashSet<>();
        value.path("events").forEach(e -> events.add(e.asText()));
        return new Subscription(
                Items.string(item, Settings.ID),
                value.path("url").asText(),
                events,
                value.path("secret").asText(null),
                Items.instant(item, Settings.CREATED_AT),
                value.path("client").isNull() ? null : value.path("client").asText(null),
                value.path("seesAll").asBoolean(false));
    }

    /** Every subscription, oldest first. */
    static List<Subscription> all(DynamoDbClient client, Tables tables) {
        List<Subscription> all = new ArrayList<>();
        for (Map<String, AttributeValue> item : new Reads(client)
                .queryAll(QueryRequest.builder()
                        .tableName(tables.name(Tables.SETTINGS))
                        .keyConditionExpression("#kind = :kind")
                        .expressionAttributeNames(Map.of("#kind", Settings.KIND))
                        .expressionAttributeValues(Map.of(":kind", s(Settings.SUBSCRIPTION)))
                        .consistentRead(true)
                        .build())) {
            all.add(subscription(item));
        }
        all.sort(Comparator.comparing(Subscription::createdAt).thenComparing(Subscription::id));
        return all;
    }

    /** The subscriptions of these ids that exist. */
    static Map<String, Subscription> subscriptionsById(DynamoDbClient client, Tables tables, Collection<String> ids) {
        Map<String, Subscription> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        new Reads(client)
                .getAll(
                        tables.name(Tables.SETTINGS),
                        Settings.ID,
                        ids.stream().map(DynamoDbNotificationStore::key).toList())
                .forEach((id, item) -> found.put(id, subscription(item)));
        return found;
    }
}
