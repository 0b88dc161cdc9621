package io.omniservice.core.rules;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import java.io.IOException;

/**
 * The rule parser's entry point under any JSON: a rule comes out, or {@link InvalidRuleException}; nothing
 * else. A rule that parses also writes back to JSON that parses again. Seeds: the shapes of the API's rules.
 */
class RuleParserFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void anyJson(byte[] input) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(input);
        } catch (IOException notJson) {
            return;
        }
        Rule rule;
        try {
            rule = RuleParser.parse(node, "rule-fuzz");
        } catch (InvalidRuleException refused) {
            return;
        }
        RuleParser.parse(RuleParser.toJson(rule), "rule-fuzz");
    }
}
