package io.omniservice.media.fetch;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A downloaded file waiting in the fetcher's temp directory, with what was learnt while streaming it.
 * Closing it deletes the file: whoever keeps the bytes (a blob store) copies or moves them first.
 *
 * @param file the temp file holding the whole body
 * @param sha256 the body's SHA-256, lower-case hex, computed while it was written
 * @param size the body's length in bytes, at least 1
 * @param declaredType the server's {@code Content-Type}, or null when it sent none; a claim only, the
 *     format is detected from the bytes
 * @param finalUri the URL the body came from, after redirects
 */
public record Fetched(Path file, String sha256, long size, String declaredType, URI finalUri) implements AutoCloseable {
    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
