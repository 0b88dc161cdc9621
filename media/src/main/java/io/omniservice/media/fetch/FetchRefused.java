package io.omniservice.media.fetch;

import io.omniservice.core.net.AddressRefused;
import java.net.URI;

/**
 * A download that will not succeed by trying again: the address is not allowed, the URL is malformed,
 * the server answered a permanent 4xx, or the file is empty or too large. Transient failures are
 * {@link java.io.IOException}s instead, so callers can tell "retry later" from "tell the client".
 * The message names the URL's host and the reason, never its path or query (signed URLs carry tokens).
 */
public final class FetchRefused extends Exception {
    public static final String ADDRESS_NOT_ALLOWED = AddressRefused.ADDRESS_NOT_ALLOWED;
    public static final String BAD_URL = AddressRefused.BAD_URL;
    public static final String TOO_LARGE = "too_large";
    public static final String HTTP_STATUS = "http_status";
    public static final String TOO_MANY_REDIRECTS = "too_many_redirects";
    public static final String EMPTY = "empty";

    private final String code;
    private final int status;

    private FetchRefused(String code, int status, String message) {
        super(message, null, false, false);
        this.code = code;
        this.status = status;
    }

    static FetchRefused of(String code, URI uri, String reason) {
        return new FetchRefused(code, -1, "media from " + hostOf(uri) + " refused: " + reason);
    }

    /** The address guard's refusal, worded as a download's. */
    static FetchRefused of(URI uri, AddressRefused refused) {
        return of(refused.code(), uri, refused.reason());
    }

    static FetchRefused httpStatus(URI uri, int status, String detail) {
        return new FetchRefused(
                HTTP_STATUS,
                status,
                "media from " + hostOf(uri) + " refused: the server answered HTTP " + status + detail);
    }

    /** One of the constants above: {@code address_not_allowed}, {@code bad_url}, {@code too_large}, ... */
    public String code() {
        return code;
    }

    /** The HTTP status for {@code http_status}, otherwise -1. */
    public int status() {
        return status;
    }

    static String hostOf(URI uri) {
        return AddressRefused.hostOf(uri);
    }
}
