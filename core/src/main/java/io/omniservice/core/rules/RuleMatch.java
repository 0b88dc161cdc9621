package io.omniservice.core.rules;

import com.google.re2j.Pattern;
import io.omniservice.core.model.CarrierType;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which inbound messages a rule applies to. Every condition given must hold; within one condition any listed
 * value will do. An empty collection or a null is no condition. Keywords compare with the body's first word,
 * ignoring case and trailing {@code . ! ? ,}; the pattern (RE2 syntax, matched in linear time) is searched
 * anywhere in the body.
 */
public record RuleMatch(
        Set<CarrierType> carriers,
        Set<String> ourNumbers,
        Set<String> keywords,
        Pattern pattern,
        List<String> senderPrefixes,
        TimeWindow window) {
    /** Matches every message. */
    public static final RuleMatch ANY = new RuleMatch(null, null, null, null, null, null);

    public RuleMatch {
        carriers = orderedCopy(carriers);
        ourNumbers = orderedCopy(ourNumbers);
        keywords = orderedCopy(keywords);
        senderPrefixes = senderPrefixes == null ? List.of() : List.copyOf(senderPrefixes);
    }

    public boolean matches(RuleInput input) {
        return (carriers.isEmpty() || carriers.contains(input.carrier()))
                && (ourNumbers.isEmpty() || ourNumbers.contains(input.ourNumber()))
                && (keywords.isEmpty() || keywordMatches(input.body()))
                && (pattern == null
                        || (input.body() != null
                                && pattern.matcher(input.body()).find()))
                && (senderPrefixes.isEmpty() || senderMatches(input.sender()))
                && (window == null || window.contains(input.receivedAt()));
    }

    private boolean keywordMatches(String body) {
        if (body == null || body.isBlank()) {
            return false;
        }
        var word = body.strip().split("\\s+", 2)[0].replaceFirst("[.!?,]+$", "");
        return keywords.stream().anyMatch(k -> k.equalsIgnoreCase(word));
    }

    private boolean senderMatches(String sender) {
        return sender != null && senderPrefixes.stream().anyMatch(sender::startsWith);
    }

    // Pattern has identity equality; two rules with the same regex are the same rule.
    @Override
    public boolean equals(Object other) {
        return other instanceof RuleMatch m
                && carriers.equals(m.carriers)
                && ourNumbers.equals(m.ourNumbers)
                && keywords.equals(m.keywords)
                && samePattern(pattern, m.pattern)
                && senderPrefixes.equals(m.senderPrefixes)
                && Objects.equals(window, m.window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                carriers,
                ourNumbers,
                keywords,
                pattern == null ? null : pattern.pattern(),
                pattern == null ? 0 : pattern.flags(),
                senderPrefixes,
                window);
    }

    private static boolean samePattern(Pattern a, Pattern b) {
        return a == null ? b == null : b != null && a.pattern().equals(b.pattern()) && a.flags() == b.flags();
    }

    // Insertion order is kept so a rule reads back with its values as they were written.
    private static <T> Set<T> orderedCopy(Collection<T> values) {
        return values == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(values));
    }
}
