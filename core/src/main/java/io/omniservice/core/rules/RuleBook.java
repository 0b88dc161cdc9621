package io.omniservice.core.rules;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** The rules in force, in evaluation order: lower priority first, ties broken by name and then id. */
public record RuleBook(List<Rule> rules) {
    private static final Comparator<Rule> ORDER = Comparator.comparingInt(Rule::priority)
            .thenComparing(Rule::name)
            .thenComparing(Rule::id, Comparator.nullsFirst(Comparator.naturalOrder()));

    public static final RuleBook EMPTY = new RuleBook(List.of());

    public RuleBook {
        rules = rules.stream().sorted(ORDER).toList();
    }

    public static RuleBook of(Collection<Rule> rules) {
        return new RuleBook(List.copyOf(rules));
    }

    /** The rules that fire for {@code input}, in order; a firing rule with {@code stop} is the last. */
    public List<Rule> firing(RuleInput input) {
        var fired = new ArrayList<Rule>();
        for (var rule : rules) {
            if (rule.match().matches(input)) {
                fired.add(rule);
                if (rule.stop()) {
                    break;
                }
            }
        }
        return List.copyOf(fired);
    }
}
