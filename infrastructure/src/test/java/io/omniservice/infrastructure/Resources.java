package io.omniservice.infrastructure;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Walks the synthesized template's resources by type and logical id. */
final class Resources {
    private Resources() {}

    /** Logical id → resource, for every resource of {@code type}, in template order. */
    static Map<String, JsonNode> ofType(String type) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        Synthesized.json().get("Resources").properties().forEach(r -> {
            if (r.getValue().get("Type").asText().equals(type)) {
                found.put(r.getKey(), r.getValue());
            }
        });
        return found;
    }

    /** The one resource of {@code type} whose logical id starts with {@code prefix}. */
    static Map.Entry<String, JsonNode> one(String type, String prefix) {
        List<Map.Entry<String, JsonNode>> matches = new ArrayList<>();
        ofType(type).entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .forEach(matches::add);
        if (matches.size() != 1) {
            throw new AssertionError("expected one " + type + " named " + prefix + "*, found "
                    + matches.stream().map(Map.Entry::getKey).toList());
        }
        return matches.get(0);
    }

    static String logicalId(String type, String prefix) {
        return one(type, prefix).getKey();
    }

    /** {@code {"Ref": id}} */
    static JsonNode ref(String logicalId) {
        return Synthesized.JSON.createObjectNode().put("Ref", logicalId);
    }

    /** {@code {"Fn::GetAtt": [id, attribute]}} */
    static JsonNode getAtt(String logicalId, String attribute) {
        var node = Synthesized.JSON.createObjectNode();
        node.putArray("Fn::GetAtt").add(logicalId).add(attribute);
        return node;
    }
}
