package io.omniservice.media.convert;

import java.io.IOException;

/**
 * The file will never convert, however often it is retried: not an image format we read, more pixels than we
 * are willing to decode (a decompression bomb), or data the decoder rejects. A plain {@link IOException} from
 * the converter, by contrast, is a failure of the disk and may be worth retrying.
 */
public final class UnsupportedImageException extends IOException {
    public UnsupportedImageException(String message) {
        super(message);
    }

    public UnsupportedImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
