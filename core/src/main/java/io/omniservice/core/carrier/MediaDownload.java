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
}
