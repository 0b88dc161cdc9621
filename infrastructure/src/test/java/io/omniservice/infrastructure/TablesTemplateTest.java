package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.aws.dynamo.Tables;
import io.omniservice.aws.dynamo.Tables.Design;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deployed tables are exactly the ones {@link Tables} describes, and the code reads and writes. */
class TablesTemplateTest {
    private static final Tables NAMES = new Tables(DeploymentSettings.DEFAULT_TABLE_PREFIX);

    @Test
    void everyDesignedTableIsDeployedAndNoOther() {
        List<String> deployed = new ArrayList<>();
        resources("AWS::DynamoDB::Table")
                .forEach(t -> deployed.add(t.at("/Properties/TableName").asText()));
        assertThat(deployed)
                .containsExactlyInAnyOrderElementsOf(
                        Tables.ALL.stream().map(NAMES::name).toList());
    }

    @Test
    void keysIndexesAndAttributeTypesAreTheDesigns() {
        for (Design design : Tables.ALL) {
            JsonNode table = table(design);
            assertThat(keySchema(table.at("/Properties/KeySchema")))
                    .as(design.suffix())
                    .isEqualTo(keys(design.partition(), design.sort()));
            Map<String, Map<String, String>> indexes = new LinkedHashMap<>();
            for (JsonNode index : table.at("/Properties/GlobalSecondaryIndexes")) {
                indexes.put(index.get("IndexName").asText(), keySchema(index.get("KeySchema")));
                Tables.Index designed = design.indexes().stream()
                        .filter(i -> i.name().equals(index.get("IndexName").asText()))
                        .findFirst()
                        .orElseThrow();
                assertThat(index.at("/Projection/ProjectionType").asText())
                        .isEqualTo(designed.projection().toString());
            }
            Map<String, Map<String, String>> expected = new LinkedHashMap<>();
            for (Tables.Index index : design.indexes()) {
                expected.put(index.name(), keys(index.partition(), index.sort()));
            }
            assertThat(indexes).as(design.suffix() + " indexes").isEqualTo(expected);
            // every key attribute is declared with the design's type, and nothing else is
            Map<String, String> attributes = new LinkedHashMap<>();
            for (JsonNode attribute : table.at("/Properties/AttributeDefinitions")) {
                attributes.put(
                        attribute.get("AttributeName").asText(),
                        attribute.get("AttributeType").asText());
            }
            Map<String, String> designed = new LinkedHashMap<>();
            designed.put(
                    design.partition().attribute(), design.partition().type().toString());
            if (design.sort() != null) {
                designed.put(design.sort().attribute(), design.sort().type().toString());
            }
            for (Tables.Index index : design.indexes()) {
                designed.put(
                        index.partition().attribute(), index.partition().type().toString());
                designed.put(index.sort().attribute(), index.sort().type().toString());
            }
            assertThat(attributes).as(design.suffix() + " attributes").isEqualTo(designed);
        }
    }

    @Test
    void onDemandWithPointInTimeRecoveryAndTtlWhereDesigned() {
        for (Design design : Tables.ALL) {
            JsonNode properties = table(design).get("Properties");
            assertThat(properties.get("BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
            assertThat(properties
                            .at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled")
                            .asBoolean())
                    .as(design.suffix())
                    .isTrue();
            assertThat(properties.at("/SSESpecification/SSEEnabled").asBoolean())
                    .isTrue();
            assertThat(properties.get("DeletionProtectionEnabled").asBoolean()).isTrue();
            if (design.ttlAttribute() == null) {
                assertThat(properties.has("TimeToLiveSpecification"))
                        .as(design.suffix())
                        .isFalse();
            } else {
                assertThat(properties
                                .at("/TimeToLiveSpecification/AttributeName")
                                .asText())
                        .isEqualTo(design.ttlAttribute());
                assertThat(properties.at("/TimeToLiveSpecification/Enabled").asBoolean())
                        .isTrue();
            }
        }
    }

    @Test
    void streamsOfNewImagesOnChangeEventsAndDeliveriesOnly() {
        for (Design design : Tables.ALL) {
            JsonNode stream = table(design).at("/Properties/StreamSpecification/StreamViewType");
            if (design == Tables.CHANGE_EVENTS || design == Tables.DELIVERIES) {
                assertThat(stream.asText()).as(design.suffix()).isEqualTo("NEW_IMAGE");
            } else {
                assertThat(stream.isMissingNode()).as(design.suffix()).isTrue();
            }
        }
    }

    @Test
    void tablesOutliveTheStack() {
        for (Design design : Tables.ALL) {
            assertThat(table(design).get("DeletionPolicy").asText()).isEqualTo("Retain");
        }
    }

    static JsonNode table(Design design) {
        return resources("AWS::DynamoDB::Table").stream()
                .filter(t -> t.at("/Properties/TableName").asText().equals(NAMES.name(design)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no table " + NAMES.name(design)));
    }

    static List<JsonNode> resources(String type) {
        List<JsonNode> found = new ArrayList<>();
        Synthesized.json().get("Resources").forEach(r -> {
            if (r.get("Type").asText().equals(type)) {
                found.add(r);
            }
        });
        return found;
    }

    private static Map<String, String> keySchema(JsonNode schema) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (JsonNode key : schema) {
            keys.put(key.get("KeyType").asText(), key.get("AttributeName").asText());
        }
        return keys;
    }

    private static Map<String, String> keys(Tables.Key partition, Tables.Key sort) {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("HASH", partition.attribute());
        if (sort != null) {
            keys.put("RANGE", sort.attribute());
        }
        return keys;
    }
}
