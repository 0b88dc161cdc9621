package io.omniservice.core.carrier;

/**
 * Why a webhook is refused before anything is stored: bad credentials (401/403), a malformed payload
 * (400, with the field when known; {@code field_too_long} for an over-long field), a body larger than the
 * carrier sends (413) or a method the carrier does not use. {@code code} is the
 * snake_case error code of the HTTP contract; the message says what is wrong and never echoes secrets.
 */
public final class WebhookRejection extends Exception {
    private final int status;
    private final String code;
    private final String field;

    private WebhookRejection(int status, String code, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    /** Credentials or signature missing. */
    public static WebhookRejection unauthorized(String message) {
        return new WebhookRejection(401, "unauthorized", message, null);
    }

    /** Credentials or signature present but wrong, expired or replayed. */
    public static WebhookRejection forbidden(String message) {
        return new WebhookRejection(403, "forbidden", message, null);
    }

    public static WebhookRejection malformed(String message) {
        return new WebhookRejection(400, "malformed_payload", message, null);
    }

    public static WebhookRejection malformed(String message, String field) {
        return new WebhookRejection(400, "malformed_payload", message, field);
    }

    /**
     * A field longer than we keep or than the carrier ever sends: the payload's fault, so a 400 the
     * carrier does not retry, never the storage error (503) an overflowing column would give.
     */
    public static WebhookRejection tooLong(String field, int limit) {
        return new WebhookRejection(400, "field_too_long", field + " is longer than " + limit + " characters", field);
    }

    /** {@link #tooLong(String, int)} as already worded. */
    public static WebhookRejection tooLong(String field, String message) {
        return new WebhookRejection(400, "field_too_long", message, field);
    }

    /** The body is larger than this carrier ever sends; refused before it is verified or parsed. */
    public static WebhookRejection tooLarge(long limit) {
        return new WebhookRejection(
                413, "payload_too_large", "the request body is larger than " + limit + " bytes", null);
    }

    /** The account's settings are not filled in yet: the carrier should try again later. */
    public static WebhookRejection notConfigured(String message) {
        return new WebhookRejection(503, "account_not_configured", message, null);
    }

    public static WebhookRejection methodNotAllowed(String method) {
        return new WebhookRejection(405, "method_not_allowed", method + " is not accepted on this webhook", null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    public boolean isAuthenticationFailure() {
        return status == 401 || status == 403;
    }
}
