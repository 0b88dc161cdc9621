package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One media attachment as the carrier referenced it: a URL to fetch and/or the carrier's media id
 * (WhatsApp sends only an id), with what the carrier said about type, name, size and digest.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MediaItem(
        String url, String carrierMediaId, String contentType, String filename, Long size, String sha256) {

    public static MediaItem url(String url, String contentType) {
        return new MediaItem(url, null, contentType, null, null, null);
    }
}
