package io.omniservice.carriers.twilio;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.CarrierHttp;
import java.io.IOException;
import java.net.URI;
import java.util.Map;

/**
 * Where one Twilio account's inbound media ({@code MediaUrlN}) is fetched. Twilio enforces HTTP basic
 * authentication on media URLs, with an API key SID and secret or the Account SID and Auth Token ("Authentication
 * required: Twilio enforces HTTP Basic Authentication for all media URLs", twilio.com/docs/messaging/api/media-resource),
 * and answers with a redirect to a signed storage URL that the pipeline follows without the header.
 *
 * <p>The credentials go only to Twilio's own API origin (the configured {@code apiBaseUrl}, {@code
 * https://api.twilio.com} by default): a {@code MediaUrl} on any other host (a WhatsApp sender's CDN, a URL a client
 * gave us) is fetched plain, so our auth token never leaves Twilio.
 */
final class TwilioMedia implements MediaAccess {
    private final URI apiOrigin;
    private final String authorization;

    /**
     * @param user the API key SID when one is configured, else the Account SID
     * @param secret the API key secret, else the Auth Token
     */
    TwilioMedia(URI apiBaseUrl, String user, String secret) {
        this.apiOrigin = apiBaseUrl;
        this.authorization = CarrierHttp.basicAuth(user, secret);
    }

    @Override
    public MediaDownload resolve(MediaItem item) throws IOException, MediaUnavailable {
        MediaDownload plain = MediaAccess.PUBLIC.resolve(item);
        return MediaDownload.sameOrigin(plain.uri(), apiOrigin)
                ? new MediaDownload(plain.uri(), Map.of("Authorization", authorization))
                : plain;
    }
}
