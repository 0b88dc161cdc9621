package io.omniservice.core.media;

import java.util.regex.Pattern;

/** The shape of blob keys: a file's SHA-256 in lower-case hex, or that under {@code quarantine/}. */
public final class MediaKeys {
    private static final Pattern CONTENT = Pattern.compile("[0-9a-f]{64}");
    public static final String QUARANTINE = "quarantine/";

    private MediaKeys() {}

    /** A key the gateway may serve: 64 lower-case hex digits, nothing else. */
    public static boolean isContentKey(String key) {
        return key != null && CONTENT.matcher(key).matches();
    }

    public static String quarantined(String sha256) {
        if (!isContentKey(sha256)) {
            throw new IllegalArgumentException("not a SHA-256 key: " + sha256);
        }
        return QUARANTINE + sha256;
    }

    /** A content key or a quarantined one: what a {@link BlobStore} accepts. */
    public static boolean isStorable(String key) {
        return isContentKey(key)
                || (key != null && key.startsWith(QUARANTINE) && isContentKey(key.substring(QUARANTINE.length())));
    }
}
