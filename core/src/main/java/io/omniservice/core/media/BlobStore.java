package io.omniservice.core.media;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where media files live: a directory in the embedded mode, an S3-compatible bucket otherwise. Content is
 * addressed by its SHA-256, so {@link #put} of bytes already stored writes nothing. Keys are
 * {@link MediaKeys#isContentKey 64 hex digits}; quarantined files live under {@code quarantine/} and are
 * never handed out. Implementations are thread-safe.
 */
public interface BlobStore extends AutoCloseable {
    /**
     * Stores {@code file} under {@code key} with its content type, unless the key is already there.
     * The write is atomic: a reader sees the whole file or none.
     */
    StoredBlob put(String key, Path file, String contentType) throws IOException;

    /** The stored object's type and size, or empty when it is not stored. */
    Optional<StoredBlob> stat(String key) throws IOException;

    /**
     * Reads {@code length} bytes from {@code offset} ({@code length < 0}: to the end).
     *
     * @throws java.nio.file.NoSuchFileException when the key is not stored
     */
    InputStream open(String key, long offset, long length) throws IOException;

    void delete(String key) throws IOException;

    /**
     * A URL that serves the object without the gateway (an S3 presigned GET); empty when the gateway
     * serves it itself at {@code /media/{key}} with its own signature.
     */
    default Optional<URI> presign(String key, Duration ttl) {
        return Optional.empty();
    }

    @Override
    default void close() {}
}
