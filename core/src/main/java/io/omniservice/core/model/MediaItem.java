package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One media attachment. As a carrier referenced it: a URL to fetch and/or the carrier's media id (WhatsApp
 * sends only an id), with what the carrier said about type, name, size and digest. Once the media step
 * has run: the file as we stored it ({@code key} = its SHA-256, the type detected from its bytes, its
 * real size), a thumbnail for images, and a {@code status}.
 *
 * <p>Clients see {@code url} and {@code thumbnailUrl} as our signed, expiring URLs; the carrier's own
 * reference stays in {@code carrierUrl} and {@code carrierMediaId}.
 *
 * @param status {@code stored}; {@code refused} (type or size not accepted, {@code reason} says why);
 *     {@code quarantined} (the malware scanner found {@code reason}; never served); {@code unavailable}
 *     (the carrier no longer has it); null before the media step ran
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaItem(
        String url,
        String carrierMediaId,
        String contentType,
        String filename,
        Long size,
        String sha256,
        String key,
        String thumbnailKey,
        String status,
        String reason,
        String carrierUrl,
        String thumbnailUrl) {

    public static final String STORED = "stored";
    public static final String REFUSED = "refused";
    public static final String QUARANTINED = "quarantined";
    public static final String UNAVAILABLE = "unavailable";

    /** As a carrier or a client referenced it, before anything was fetched. */
    public MediaItem(String url, String carrierMediaId, String contentType, String filename, Long size, String sha256) {
        this(url, carrierMediaId, contentType, filename, size, sha256, null, null, null, null, null, null);
    }

    public static MediaItem url(String url, String contentType) {
        return new MediaItem(url, null, contentType, null, null, null);
    }

    /** The file fetched and stored under {@code key}, with the type read from its bytes. */
    public MediaItem stored(String key, String detectedType, long bytes, String thumbnail) {
        return new MediaItem(
                url,
                carrierMediaId,
                detectedType,
                filename,
                bytes,
                key,
                key,
                thumbnail,
                STORED,
                null,
                carrierUrl,
                thumbnailUrl);
    }

    /** Not stored for a reason that will not change on retry ({@link #REFUSED}, {@link #QUARANTINED}, ...). */
    public MediaItem notStored(String status, String why) {
        return new MediaItem(
                url,
                carrierMediaId,
                contentType,
                filename,
                size,
                sha256,
                null,
                null,
                status,
                why,
                carrierUrl,
                thumbnailUrl);
    }

    /** The same item with other URLs, as a client or a carrier is shown it. */
    public MediaItem withUrls(String newUrl, String newThumbnailUrl, String originalUrl) {
        return new MediaItem(
                newUrl,
                carrierMediaId,
                contentType,
                filename,
                size,
                sha256,
                key,
                thumbnailKey,
                status,
                reason,
                originalUrl,
                newThumbnailUrl);
    }

    /** The same item sent by the carrier's own media id (a WhatsApp upload) instead of a URL. */
    public MediaItem withCarrierMediaId(String id) {
        return new MediaItem(
                null,
                id,
                contentType,
                filename,
                size,
                sha256,
                key,
                thumbnailKey,
                status,
                reason,
                carrierUrl,
                thumbnailUrl);
    }

    /** The media step has run on it (whatever came out). */
    public boolean processed() {
        return status != null;
    }
}
