package io.omniservice.core.outbound;

import io.omniservice.core.net.AddressGuard;
import io.omniservice.core.net.AddressRefused;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleAction;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * Checks a URL a client asks the gateway to POST to (a message's {@code callbackUrl}, a subscription's
 * {@code url}, a rule's forward) before it is stored, so a client learns at once that it will never be
 * called, and the gateway never queues signed requests for its own ports or the cloud metadata service.
 * The same {@link AddressGuard} checks again at every delivery ({@link DeliveryClient}).
 */
public final class DeliveryTargets {
    /** The longest URL kept; the store's columns hold no more. */
    public static final int MAX_URL_CHARS = 2048;

    /** The error code of a URL whose host the gateway must not call (or that does not resolve). */
    public static final String URL_NOT_ALLOWED = "url_not_allowed";

    /** The error code of a URL that is not an absolute http(s) URL, or is too long. */
    public static final String INVALID_REQUEST = "invalid_request";

    private final AddressGuard guard;

    public DeliveryTargets(AddressGuard guard) {
        this.guard = Objects.requireNonNull(guard, "guard");
    }

    /**
     * The URL {@code raw}, checked.
     *
     * @param field where the URL was in the request ({@code options.callbackUrl}, {@code url}, {@code actions[0].url})
     * @throws Refused naming {@code field}
     */
    public URI check(String raw, String field) {
        if (raw.length() > MAX_URL_CHARS) {
            throw new Refused(
                    field,
                    INVALID_REQUEST,
                    "is " + raw.length() + " characters long; at most " + MAX_URL_CHARS + " are accepted");
        }
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new Refused(field, INVALID_REQUEST, "is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new Refused(field, INVALID_REQUEST, "must be an absolute http(s) URL with a host");
        }
        try {
            guard.check(uri);
        } catch (AddressRefused e) {
            throw new Refused(field, URL_NOT_ALLOWED, "is not allowed: " + e.getMessage());
        }
        return uri;
    }

    /** Checks every forward of {@code rule}; a refusal names the action as the rule's JSON does ({@code actions[1].url}). */
    public void checkForwards(Rule rule) {
        for (int i = 0; i < rule.actions().size(); i++) {
            if (rule.actions().get(i) instanceof RuleAction.Forward forward) {
                check(forward.url().toString(), "actions[" + i + "].url");
            }
        }
    }

    /** A URL refused: {@link #code()} is {@link #URL_NOT_ALLOWED} or {@link #INVALID_REQUEST}. */
    public static final class Refused extends RuntimeException {
        private final String field;
        private final String code;
        private final String detail;

        Refused(String field, String code, String detail) {
            super(field + " " + detail, null, false, false);
            this.field = field;
            this.code = code;
            this.detail = detail;
        }

        public String field() {
            return field;
        }

        public String code() {
            return code;
        }

        /** What is wrong, without the field's name. */
        public String detail() {
            return detail;
        }
    }
}
