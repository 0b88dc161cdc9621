package io.omniservice.core.rules;

/**
 * A rule that cannot be accepted. {@link #field()} is the path of the offending field as written in the rule's
 * JSON ({@code match.window.from}, {@code actions[1].url}), null when the rule is not a JSON object at all;
 * {@link #detail()} says what is wrong and what is expected.
 */
public class InvalidRuleException extends RuntimeException {
    private final String field;
    private final String detail;

    public InvalidRuleException(String field, String detail) {
        super(field == null ? detail : field + ": " + detail);
        this.field = field;
        this.detail = detail;
    }

    public String field() {
        return field;
    }

    public String detail() {
        return detail;
    }
}
