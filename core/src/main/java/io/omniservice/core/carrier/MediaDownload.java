package io.omniservice.core.carrier;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * How to fetch one attachment: the URL and the headers the carrier wants (its credentials). The headers
 * go to the URL's origin only: a redirect to another host (Twilio's media goes to a signed storage URL)
 * is followed without them.
 */
public record MediaDownload(URI uri, Map<String, String> headers) {
    public MediaDownload {
        Objects.requireNonNull(uri, "uri");
        headers = Map.copyOf(headers);
    }

    public static MediaDownload plain(URI uri) {
        return new MediaDownload(uri, Map.of());
    }

    /**
     * Whether two URLs share an origin: scheme, host (any case) and port, the default port spelled or not.
     * Carriers send their credentials to their own origin only.
     */
    public static boolean sameOrigin(URI a, URI b) {
        if (a.getScheme() == null || a.getHost() == null || b.getScheme() == null || b.getHost() == null) {
            return false;
        }
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost()
                        .toLowerCase(java.util.Locale.ROOT)
                        .equals(b.getHost().toLowerCase(java.util.Locale.ROOT))
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : -1;
    }
}
