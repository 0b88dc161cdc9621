package io.omniservice.core.rules;

import java.util.List;
import java.util.Objects;

/**
 * A business rule: when an inbound message {@link #match() matches}, its {@link #actions()} run.
 * {@code id} is null until the rule is stored; a null match matches every message. {@code client} is the
 * API client that created it (null for the configuration file's rules): its secret signs the forwards.
 */
public record Rule(
        String id, String name, int priority, RuleMatch match, List<RuleAction> actions, boolean stop, String client) {
    /** The priority of a rule that does not give one. */
    public static final int DEFAULT_PRIORITY = 100;

    public Rule {
        Objects.requireNonNull(name, "name");
        match = match == null ? RuleMatch.ANY : match;
        actions = List.copyOf(actions);
        if (actions.isEmpty()) {
            throw new IllegalArgumentException("a rule needs at least one action");
        }
    }

    public Rule(String id, String name, int priority, RuleMatch match, List<RuleAction> actions, boolean stop) {
        this(id, name, priority, match, actions, stop, null);
    }

    public Rule withId(String newId) {
        return new Rule(newId, name, priority, match, actions, stop, client);
    }

    public Rule ownedBy(String owner) {
        return new Rule(id, name, priority, match, actions, stop, owner);
    }
}
