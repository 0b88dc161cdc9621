package io.omniservice.server.http;

import io.javalin.http.Context;
import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaKeys;
import io.omniservice.core.media.StoredBlob;
import io.omniservice.core.model.ApiError;
import io.omniservice.media.sign.MediaSigner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /media/{key}?expires=&signature=}: a stored file to whoever holds a signed URL for it (a
 * carrier fetching an outbound attachment, a client following an inbound message's link). The signature
 * is checked before anything is looked up, so a forged URL learns nothing. One byte range per request
 * ({@code Range: bytes=a-b}, {@code a-}, {@code -n}), which is what video players and carriers ask for.
 */
final class MediaRoutes {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private final BlobStore blobs;
    private final MediaSigner signer;

    MediaRoutes(BlobStore blobs, MediaSigner signer) {
        this.blobs = blobs;
        this.signer = signer;
    }

    void serve(Context ctx) {
        String key = ctx.pathParam("key");
        switch (signer.verify(key, ctx.queryParam("expires"), ctx.queryParam("signature"))) {
            case VALID -> {}
            case EXPIRED -> throw forbidden("url_expired", "this media URL has expired; ask for a new one");
            case MALFORMED ->
                throw forbidden("signature_missing", "media URLs need expires and signature query parameters");
            case BAD_SIGNATURE -> throw forbidden("signature_invalid", "the signature does not match this URL");
        }
        StoredBlob blob = stat(key)
                .orElseThrow(() -> ApiException.notFound("media_not_found", "no media is stored under this key"));
        ctx.header("Accept-Ranges", "bytes");
        ctx.header("ETag", "\"" + key + "\"");
        ctx.header("Cache-Control", "private, max-age=3600");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Content-Security-Policy", "sandbox");
        ctx.contentType(blob.contentType());
        if (("\"" + key + "\"").equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        long offset = 0;
        long length = blob.size();
        String range = ctx.header("Range");
        if (range != null && ifRangeHolds(ctx, key)) {
            Optional<long[]> span = span(range.trim(), blob.size());
            if (span == null) {
                ctx.header("Content-Range", "bytes */" + blob.size());
                throw new ApiException(new ApiError(
                        416,
                        "range_not_satisfiable",
                        "the file has " + blob.size() + " bytes; " + range + " is outside it"));
            }
            if (span.isPresent()) {
                offset = span.get()[0];
                length = span.get()[1] - offset + 1;
                ctx.status(206);
                ctx.header("Content-Range", "bytes " + offset + "-" + span.get()[1] + "/" + blob.size());
            }
        }
        ctx.res().setContentLengthLong(length);
        if ("HEAD".equals(ctx.method().name())) {
            return;
        }
        try (InputStream in = blobs.open(key, offset, length);
                OutputStream out = ctx.res().getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("media " + key + " not served", e);
        }
    }

    private Optional<StoredBlob> stat(String key) {
        if (!MediaKeys.isContentKey(key)) {
            return Optional.empty();
        }
        try {
            return blobs.stat(key);
        } catch (IOException e) {
            throw new UncheckedIOException("media " + key + " not read", e);
        }
    }

    /** {@code If-Range} with another validator means the client's copy changed: send it all. */
    private static boolean ifRangeHolds(Context ctx, String key) {
        String ifRange = ctx.header("If-Range");
        return ifRange == null || ifRange.equals("\"" + key + "\"");
    }

    /**
     * The first and last byte of a single range; empty to serve the whole file (a form we do not serve
     * ranged, such as several ranges); null when the range lies outside the file (416).
     */
    static Optional<long[]> span(String header, long size) {
        Matcher m = RANGE.matcher(header);
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        try {
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                if (suffix == 0 || size == 0) {
                    return null;
                }
                return Optional.of(new long[] {Math.max(0, size - suffix), size - 1});
            }
            long first = Long.parseLong(m.group(1));
            long last = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (first >= size || last < first) {
                return null;
            }
            return Optional.of(new long[] {first, last});
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static ApiException forbidden(String code, String message) {
        return new ApiException(new ApiError(403, code, message));
    }
}
