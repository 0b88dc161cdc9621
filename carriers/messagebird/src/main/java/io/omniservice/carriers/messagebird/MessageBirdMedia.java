package io.omniservice.carriers.messagebird;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.model.MediaItem;
import java.io.IOException;
import java.net.URI;
import java.util.Map;

/**
 * Where one MessageBird account's inbound media is fetched. Conversations API webhooks carry attachments as
 * {@code content.<type>.url} on MessageBird's media host ({@code https://media.messagebird.com/v1/media/<uuid>},
 * as in received WhatsApp messages). MessageBird's File Storage API documents its files as "public by default",
 * with access restricted on request, after which a request needs {@code Authorization: AccessKey <key>}
 * (developers.messagebird.com/api/file-storage). We send the access key to the media origin whenever the account
 * has one, so a restricted account works too; the key goes to that origin only (configurable as
 * {@code mediaBaseUrl}), never to a URL on another host, and never along a redirect.
 *
 * <p>Sending uploads nothing: the Conversations and SMS APIs take media by URL and MessageBird fetches our
 * signed URL itself.
 */
final class MessageBirdMedia implements MediaAccess {
    private final URI mediaOrigin;
    /** Null when the account has no access key: media is then fetched as the public URL it is by default. */
    private final String authorization;

    MessageBirdMedia(URI mediaBaseUrl, String accessKey) {
        this.mediaOrigin = mediaBaseUrl;
        this.authorization = accessKey == null ? null : "AccessKey " + accessKey;
    }

    @Override
    public MediaDownload resolve(MediaItem item) throws IOException, MediaUnavailable {
        MediaDownload plain = MediaAccess.PUBLIC.resolve(item);
        if (authorization == null || !MediaDownload.sameOrigin(plain.uri(), mediaOrigin)) {
            return plain;
        }
        return new MediaDownload(plain.uri(), Map.of("Authorization", authorization));
    }
}
