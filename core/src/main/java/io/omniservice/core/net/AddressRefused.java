package io.omniservice.core.net;

import java.net.URI;
import java.util.Objects;

/**
 * The {@link AddressGuard}'s refusal of a URL: {@link #BAD_URL} when the URL itself is unusable (scheme,
 * credentials, a numeric host in an odd notation, a name that does not resolve), {@link #ADDRESS_NOT_ALLOWED}
 * when the host is, or resolves to, an address the gateway must not connect to. The message names the host
 * and the reason, never the path or query: URLs clients give often carry tokens.
 */
public final class AddressRefused extends Exception {
    public static final String ADDRESS_NOT_ALLOWED = "address_not_allowed";
    public static final String BAD_URL = "bad_url";

    private final String code;
    private final String host;
    private final String reason;

    AddressRefused(String code, URI uri, String reason) {
        this(code, hostOf(uri), reason);
    }

    private AddressRefused(String code, String host, String reason) {
        super(host + " refused: " + reason, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
        this.host = host;
        this.reason = reason;
    }

    /** {@link #BAD_URL} or {@link #ADDRESS_NOT_ALLOWED}. */
    public String code() {
        return code;
    }

    /** The URL's host as written, or a stand-in when it has none. */
    public String host() {
        return host;
    }

    /** Why, without the host prefix: for callers that word the refusal their own way. */
    public String reason() {
        return reason;
    }

    /** The host of {@code uri} for a message: its host name, else its raw authority. */
    public static String hostOf(URI uri) {
        if (uri == null) {
            return "(no URL)";
        }
        String host = uri.getHost() != null ? uri.getHost() : uri.getRawAuthority();
        return Objects.requireNonNullElse(host, "(no host)");
    }
}
