package io.omniservice.server.http;

import io.omniservice.core.model.ApiError;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Reads a request body into memory up to a limit. A declared Content-Length over the limit is refused
 * before any byte is read; a chunked body is refused as soon as the limit is passed. The rest stays unread
 * and the connection is closed, so an oversized upload costs us at most the limit.
 */
final class BoundedBody {
    private BoundedBody() {}

    static byte[] read(HttpServletRequest request, long maxBytes) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBytes) {
            throw tooLarge(maxBytes);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
        byte[] chunk = new byte[8192];
        InputStream in = request.getInputStream();
        long total = 0;
        while (true) {
            // Never ask for more than one byte past the limit: that byte is enough to know it is passed.
            int read = in.read(chunk, 0, (int) Math.min(chunk.length, maxBytes + 1 - total));
            if (read < 0) {
                return body.toByteArray();
            }
            total += read;
            if (total > maxBytes) {
                throw tooLarge(maxBytes);
            }
            body.write(chunk, 0, read);
        }
    }

    private static ApiException tooLarge(long maxBytes) {
        return new ApiException(
                new ApiError(413, "payload_too_large", "the request body is larger than " + maxBytes + " bytes"),
                Map.of("Connection", "close"));
    }
}
