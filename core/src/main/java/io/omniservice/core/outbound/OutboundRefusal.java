package io.omniservice.core.outbound;

/** Why an outbound request was not accepted; the HTTP layer answers with the matching status. */
public final class OutboundRefusal extends Exception {
    /**
     * {@code recipient_opted_out} (403), {@code no_capable_carrier} (422), {@code from_not_in_pool} (400, the
     * request's {@code from} is not a number of the accounts' sender pools), {@code idempotency_key_reused}
     * (409), {@code media_address_not_allowed} and {@code media_bad_url} (400, a {@code mediaUrl} we may not
     * fetch), {@code media_not_checked} (503: the scanner or the disk failed), other {@code media_*} (422: the
     * file could not be fetched or is not one we take).
     */
    private final String code;

    public OutboundRefusal(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
