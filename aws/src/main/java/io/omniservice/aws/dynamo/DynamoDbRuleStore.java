package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.aws.dynamo.Tables.Keys;
import io.omniservice.aws.dynamo.Tables.Messages;
import io.omniservice.aws.dynamo.Tables.Settings;
import io.omniservice.core.json.Json;
import io.omniservice.core.rules.InvalidRuleException;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleParser;
import io.omniservice.core.rules.RuleStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Rules created through the API (the {@code rule} partition of {@code settings}: the rule's definition as the API
 * takes it, and its owner), and which rules fired for a message (the message's {@code rulesFired}).
 */
public final class DynamoDbRuleStore implements RuleStore {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbRuleStore.class);

    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;
    private final Reads reads;

    public DynamoDbRuleStore(DynamoDbClient client, Tables tables, Clock clock) {
        this.client = client;
        this.tables = tables;
        this.clock = clock;
        this.reads = new Reads(client);
    }

    /**
     * The rules stored through the API, oldest first. One the parser no longer takes is left out with a
     * warning rather than stopping every other rule.
     */
    @Override
    public List<Rule> storedRules() {
        List<Map<String, AttributeValue>> items = new ArrayList<>(reads.queryAll(QueryRequest.builder()
                .tableName(tables.name(Tables.SETTINGS))
                .keyConditionExpression("#kind = :kind")
                .expressionAttributeNames(Map.of("#kind", Settings.KIND))
                .expressionAttributeValues(Map.of(":kind", s(Settings.RULE)))
                .consistentRead(true)
                .build()));
        items.sort(Comparator.comparing((Map<String, AttributeValue> i) -> Items.string(i, Settings.CREATED_AT))
                .thenComparing(i -> Items.string(i, Settings.ID)));
        List<Rule> rules = new ArrayList<>();
        for (Map<String, AttributeValue> item : items) {
            String id = Items.string(item, Settings.ID);
            try {
                JsonNode value = Json.MAPPER.readTree(Items.string(item, Settings.VALUE));
                JsonNode owner = value.get("client");
                rules.add(RuleParser.parse(value.path("definition"), id)
                        .ownedBy(owner == null || owner.isNull() ? null : owner.asText()));
            } catch (InvalidRuleException | JsonProcessingException e) {
                LOG.warn("stored rule {} is skipped: {}", id, e.getMessage());
            }
        }
        return rules;
    }

    @Override
    public Rule addRule(Rule rule) {
        Rule stored = rule.withId("rule_" + UUID.randomUUID().toString().replace("-", ""));
        ObjectNode value = Json.MAPPER.createObjectNode();
        value.set("definition", RuleParser.toJson(stored));
        value.put("client", stored.client());
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Settings.KIND, s(Settings.RULE));
        item.put(Settings.ID, s(stored.id()));
        item.put(Settings.VALUE, s(Json.text(value)));
        item.put(Settings.CREATED_AT, Items.time(SortableTime.stored(clock.instant())));
        try {
            client.putItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                    .item(item)
                    .conditionExpression("attribute_not_exists(#value)")
                    .expressionAttributeNames(Map.of("#value", Settings.VALUE)));
        } catch (SdkException e) {
            throw Transactions.failure("the rule was not stored", e);
        }
        return stored;
    }

    @Override
    public boolean deleteRule(String id) {
        var deleted = client.deleteItem(r -> r.tableName(tables.name(Tables.SETTINGS))
                .key(Map.of(Settings.KIND, s(Settings.RULE), Settings.ID, s(id)))
                .returnValues(ReturnValue.ALL_OLD));
        return deleted.hasAttributes() && deleted.attributes().containsKey(Settings.VALUE);
    }

    @Override
    public Optional<JsonNode> rulesFired(String messageId) {
        Map<String, AttributeValue> where =
                reads.get(tables.name(Tables.KEYS), Map.of(Keys.KEY, s(Keys.message(messageId))));
        if (where == null || !where.containsKey(Keys.CONVERSATION_ID)) {
            return Optional.empty();
        }
        Map<String, AttributeValue> message = reads.get(
                tables.name(Tables.MESSAGES),
                Map.of(
                        Messages.CONVERSATION_ID, where.get(Keys.CONVERSATION_ID),
                        Messages.MESSAGE_KEY, where.get(Keys.MESSAGE_KEY)));
        String fired = message == null ? null : Items.string(message, Messages.RULES_FIRED);
        if (fired == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readTree(fired));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the rules fired for a message are stored as text that is not JSON", e);
        }
    }
}
