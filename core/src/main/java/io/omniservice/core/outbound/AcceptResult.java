package io.omniservice.core.outbound;

/** What storing an accepted request did. */
public sealed interface AcceptResult {
    /** Stored now. */
    record Stored() implements AcceptResult {}

    /**
     * The idempotency key was used before: with the same body ({@code sameRequest}) the first answer is
     * {@code response}; with another body the request is refused.
     */
    record KeyUsed(boolean sameRequest, String response) implements AcceptResult {}
}
