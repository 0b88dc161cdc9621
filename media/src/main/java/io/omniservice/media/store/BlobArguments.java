package io.omniservice.media.store;

import io.omniservice.core.media.MediaKeys;

/**
 * The argument checks every {@link io.omniservice.core.media.BlobStore} adapter makes before touching
 * storage, so a key can never name a path or object outside the store and both adapters refuse the same
 * things with the same words.
 */
final class BlobArguments {
    private static final int MAX_CONTENT_TYPE = 255;

    private BlobArguments() {}

    static String storable(String key) {
        if (!MediaKeys.isStorable(key)) {
            throw new IllegalArgumentException(
                    "not a blob key (64 lower-case hex digits, optionally under quarantine/): " + quoted(key));
        }
        return key;
    }

    /** Only a content key may leave the gateway: quarantined files are never handed out. */
    static String servable(String key) {
        if (!MediaKeys.isContentKey(key)) {
            throw new IllegalArgumentException("only content keys can be handed out, not " + quoted(key));
        }
        return key;
    }

    /** The type goes into an HTTP header and a sidecar line, so it must be one line of visible ASCII. */
    static String contentType(String contentType) {
        if (contentType == null || contentType.isBlank() || contentType.length() > MAX_CONTENT_TYPE) {
            throw new IllegalArgumentException("content type must be 1 to 255 characters: " + quoted(contentType));
        }
        for (int i = 0; i < contentType.length(); i++) {
            char c = contentType.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException(
                        "content type may hold only visible ASCII and spaces: " + quoted(contentType));
            }
        }
        return contentType;
    }

    static void range(long offset, long length) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
        if (length >= 0 && offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("range overflows: offset " + offset + ", length " + length);
        }
    }

    private static String quoted(String value) {
        if (value == null) {
            return "null";
        }
        // Keep the message one readable line whatever the caller passed.
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return '"' + shown.replaceAll("\\p{Cntrl}", "?") + '"';
    }
}
