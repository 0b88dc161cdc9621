package io.omniservice.media.convert;

import java.nio.file.Path;

/**
 * A file a conversion wrote: where it is, its media type and byte size, and its pixel size ({@code 0 × 0} for
 * audio), so the caller can store it and describe it to the carrier without opening it again.
 */
public record Converted(Path file, String contentType, long size, int width, int height) {
    public Converted {
        if (file == null || contentType == null || contentType.isBlank()) {
            throw new IllegalArgumentException("a converted file needs a path and a content type");
        }
        if (size < 0 || width < 0 || height < 0) {
            throw new IllegalArgumentException("size, width and height cannot be negative");
        }
    }
}
