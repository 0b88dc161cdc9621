package io.omniservice.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/** The business rules created through the API, and which rules fired for a message. */
public interface RuleStore {
    List<Rule> storedRules();

    /** Stores the rule under a new id and returns it with that id. */
    Rule addRule(Rule rule);

    boolean deleteRule(String id);

    /** The rules that fired for a message and what their actions did; empty when none did (or not yet). */
    Optional<JsonNode> rulesFired(String messageId);
}
