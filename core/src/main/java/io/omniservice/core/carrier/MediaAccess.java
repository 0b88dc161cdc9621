package io.omniservice.core.carrier;

import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How one carrier account's media is fetched and, for carriers that want it, uploaded. The media
 * pipeline does the download itself (streamed, size-capped, guarded); the carrier only says where and
 * with which credentials. Implementations are thread-safe; {@link #resolve} may call the carrier's API
 * (WhatsApp hands out a media id that has to be looked up first).
 */
public interface MediaAccess {
    /** Media that is fetched as given, without credentials. */
    MediaAccess PUBLIC = item -> {
        if (item.url() == null) {
            throw new IOException("the attachment has no URL to fetch");
        }
        return MediaDownload.plain(java.net.URI.create(item.url()));
    };

    /**
     * Where to GET one inbound attachment.
     *
     * @throws IOException when the lookup failed in a way worth retrying (timeout, 5xx, 429)
     * @throws MediaUnavailable when the carrier says the attachment is gone or was never there
     */
    MediaDownload resolve(MediaItem item) throws IOException, MediaUnavailable;

    /**
     * Uploads a file before a send, for carriers that send media by their own reference: WhatsApp's media
     * id ({@link MediaItem#withCarrierMediaId}), LiveChat's file URL on its CDN. Empty for carriers that
     * fetch our signed URL themselves.
     *
     * @param item the attachment as stored (type detected, size, filename)
     * @param file its bytes, already converted to the carrier's limits
     * @return the item as the carrier's send request must reference it
     */
    default Optional<MediaItem> upload(MediaItem item, Path file) throws SendFailure {
        return Optional.empty();
    }

    /** Whether {@link #upload} does anything: the pipeline then reads the stored file out for it. */
    default boolean uploads() {
        return false;
    }

    /**
     * How long the reference {@link #upload} returns may be sent again, in any message of this account: the
     * pipeline then uploads a file once for that long instead of once per send. Zero, the default: every
     * send uploads.
     */
    default Duration uploadsLast() {
        return Duration.ZERO;
    }

    /** The carrier refused a lookup for good (404, 400, 401 on a media id): retrying will not help. */
    final class MediaUnavailable extends Exception {
        public MediaUnavailable(String message) {
            super(message);
        }
    }
}
