package io.omniservice.core.media;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.util.Optional;

/**
 * The media flow of the seed, as the rest of the gateway uses it: fetch, validate, scan, store, convert,
 * sign. The implementation lives in the {@code media} module; {@link #NONE} passes references through
 * (a gateway run without media handling, and tests that do not care).
 */
public interface MediaPipeline {
    /**
     * Inbound, in the workflow's media step: fetches one carrier attachment, checks its format, size and
     * (when a scanner is configured) malware, stores it and makes a thumbnail for images.
     *
     * @return the item {@link MediaItem#STORED stored}, or marked refused/quarantined/unavailable with the reason
     * @throws IOException when the fetch failed in a way worth retrying (timeout, 5xx, connection)
     */
    MediaItem storeInbound(MediaItem item, MediaAccess access) throws IOException;

    /**
     * Outbound, when {@code POST /v1/messages} is accepted: fetches the client's {@code mediaUrl}
     * (public addresses only, unless configured), checks and stores it.
     *
     * @throws MediaRefusal when the URL may not or could not be fetched, or the file is not accepted
     */
    MediaItem ingest(MediaItem requested) throws MediaRefusal;

    /** Why this carrier cannot take the stored item even after the conversions available here; empty when it can. */
    Optional<String> unfit(MediaItem stored, CarrierCapabilities carrier);

    /**
     * At send time: the item converted to the carrier's types and size, then handed over as the carrier
     * wants it: a signed URL it fetches, or its own media id after an upload.
     */
    MediaItem prepare(MediaItem stored, CarrierCapabilities carrier, MediaAccess access) throws SendFailure;

    /** The item as clients see it: signed URLs to our stored files, the carrier's URL as {@code carrierUrl}. */
    MediaItem view(MediaItem stored);

    /** The message as clients see it: each attachment through {@link #view(MediaItem)}. */
    default io.omniservice.core.model.Message view(io.omniservice.core.model.Message stored) {
        if (stored.content() instanceof io.omniservice.core.model.MessageContent.Media media) {
            return stored.withContent(new io.omniservice.core.model.MessageContent.Media(
                    media.body(), media.items().stream().map(this::view).toList()));
        }
        return stored;
    }

    MediaPipeline NONE = new MediaPipeline() {
        @Override
        public MediaItem storeInbound(MediaItem item, MediaAccess access) {
            return item;
        }

        @Override
        public MediaItem ingest(MediaItem requested) {
            return requested;
        }

        @Override
        public Optional<String> unfit(MediaItem stored, CarrierCapabilities carrier) {
            return Optional.empty();
        }

        @Override
        public MediaItem prepare(MediaItem stored, CarrierCapabilities carrier, MediaAccess access) {
            return stored;
        }

        @Override
        public MediaItem view(MediaItem stored) {
            return stored;
        }
    };

    /**
     * A client's media the gateway will not send, with a code and a sentence for the answer:
     * {@code media_address_not_allowed} or {@code media_bad_url} for a URL we may not fetch, another
     * {@code media_*} code when it could not be fetched or is not a file we take.
     */
    final class MediaRefusal extends Exception {
        private final String code;

        public MediaRefusal(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}
