package io.omniservice.carriers.bandwidth;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.CarrierHttp;
import java.io.IOException;
import java.net.URI;
import java.util.Map;

/**
 * Where one Bandwidth account's inbound media is fetched. A {@code message-received} callback lists its
 * attachments as {@code https://messaging.bandwidth.com/api/v2/users/{accountId}/media/...}, a Media resource of
 * the Messaging API that answers only with the API user's basic auth ("Files you upload can only be accessed by you
 * when you supply your API user's username and password - they are not available to anonymous users",
 * dev.bandwidth.com/docs/messaging/media).
 *
 * <p>The credentials go only to the configured Messaging API origin ({@code apiBaseUrl}); media on any other host
 * is fetched plain. Sending uploads nothing: Bandwidth's own Media upload ({@code PUT /users/{accountId}/media/{id}})
 * takes files up to 3.75 MB and keeps them 48 hours, while Bandwidth fetches the {@code media} URLs of a send
 * itself, so our signed URL serves at least as well without a second call per attachment.
 */
final class BandwidthMedia implements MediaAccess {
    private final URI apiOrigin;
    /** Null on a receive-only account, which has no API credentials. */
    private final String authorization;

    BandwidthMedia(URI apiBaseUrl, String apiUsername, String apiPassword) {
        this.apiOrigin = apiBaseUrl;
        this.authorization =
                apiUsername == null || apiPassword == null ? null : CarrierHttp.basicAuth(apiUsername, apiPassword);
    }

    @Override
    public MediaDownload resolve(MediaItem item) throws IOException, MediaUnavailable {
        MediaDownload plain = MediaAccess.PUBLIC.resolve(item);
        if (!MediaDownload.sameOrigin(plain.uri(), apiOrigin)) {
            return plain;
        }
        if (authorization == null) {
            // Fetching it plain would only earn a 401: say what is missing instead.
            throw new MediaUnavailable("Bandwidth media is fetched with the API credentials, and this account has no "
                    + BandwidthProvider.API_USERNAME + "/" + BandwidthProvider.API_PASSWORD + " configured");
        }
        return new MediaDownload(plain.uri(), Map.of("Authorization", authorization));
    }
}
