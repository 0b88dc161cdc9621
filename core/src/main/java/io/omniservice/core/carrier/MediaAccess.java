package io.omniservice.core.carrier;

import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.nio.file.Path;
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
     * Uploads a file for sending, for carriers that send media by their own id (WhatsApp); empty for
     * carriers that fetch a URL themselves.
     *
     * @return the carrier's media id
     */
    default Optional<String> upload(Path file, String contentType, String filename) throws SendFailure {
        return Optional.empty();
    }

    /** The carrier refused a lookup for good (404, 400, 401 on a media id): retrying will not help. */
    final class MediaUnavailable extends Exception {
        public MediaUnavailable(String message) {
            super(message);
        }
    }
}
