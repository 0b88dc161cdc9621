package io.omniservice.media.store;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaKeys;
import io.omniservice.core.media.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * The embedded mode's {@link BlobStore}: files in a local directory, so a single gateway needs no object
 * store. A blob lives at {@code root/ab/cd/<key>} (quarantined ones under {@code root/quarantine/ab/cd/}),
 * which keeps directories small and leaves every file named by its own SHA-256, checkable with
 * {@code sha256sum}. Its content type sits beside it in {@code <key>.type}.
 *
 * <p>Writes are atomic: bytes go to a temporary file in the target directory, are forced to disk and
 * renamed into place. The type file is written before the blob and removed after it, so a visible blob
 * always has its type; the blob's presence is the commit point. Two puts of the same key race harmlessly,
 * since both rename identical bytes.
 */
public final class FileBlobStore implements BlobStore {
    /** Where the embedded mode keeps media unless configured otherwise, relative to the working directory. */
    public static final Path DEFAULT_ROOT = Path.of("data", "media");

    /** Only seen if a put and a delete of the same key interleave between type file and blob. */
    static final String UNKNOWN_TYPE = "application/octet-stream";

    private static final String TYPE_SUFFIX = ".type";
    private static final String TEMP_SUFFIX = ".tmp";

    private final Path root;

    public FileBlobStore() throws IOException {
        this(DEFAULT_ROOT);
    }

    /** Creates {@code root} and its parents when missing. */
    public FileBlobStore(Path root) throws IOException {
        this.root =
                Files.createDirectories(Objects.requireNonNull(root, "root")).toAbsolutePath();
    }

    public Path root() {
        return root;
    }

    @Override
    public StoredBlob put(String key, Path file, String contentType) throws IOException {
        BlobArguments.storable(key);
        BlobArguments.contentType(contentType);
        Objects.requireNonNull(file, "file");
        Path blob = blobPath(key);
        Optional<StoredBlob> existing = stat(key);
        if (existing.isPresent()) {
            return existing.get();
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "nothing to store under " + key);
        }
        Path dir = Files.createDirectories(blob.getParent());
        writeAtomically(
                dir, typePath(blob), (target) -> Files.writeString(target, contentType, StandardCharsets.US_ASCII));
        long size = writeAtomically(dir, blob, (target) -> copy(file, target));
        return new StoredBlob(key, contentType, size);
    }

    @Override
    public Optional<StoredBlob> stat(String key) throws IOException {
        Path blob = blobPath(BlobArguments.storable(key));
        long size;
        try {
            size = Files.size(blob);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(new StoredBlob(key, readType(blob), size));
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        Path blob = blobPath(BlobArguments.storable(key));
        BlobArguments.range(offset, length);
        FileChannel channel = FileChannel.open(blob, StandardOpenOption.READ);
        return new FileRangeInputStream(channel, offset, length < 0 ? Long.MAX_VALUE - offset : length);
    }

    /** Removes the blob and its type; a key that is not stored is already deleted. */
    @Override
    public void delete(String key) throws IOException {
        Path blob = blobPath(BlobArguments.storable(key));
        Files.deleteIfExists(blob);
        Files.deleteIfExists(typePath(blob));
    }

    /** The blob's file; exposed to the package so tests can look at what was written. */
    Path blobPath(String key) {
        boolean quarantined = key.startsWith(MediaKeys.QUARANTINE);
        String hash = quarantined ? key.substring(MediaKeys.QUARANTINE.length()) : key;
        Path base = quarantined ? root.resolve("quarantine") : root;
        return base.resolve(hash.substring(0, 2)).resolve(hash.substring(2, 4)).resolve(hash);
    }

    private static Path typePath(Path blob) {
        return blob.resolveSibling(blob.getFileName() + TYPE_SUFFIX);
    }

    private static String readType(Path blob) throws IOException {
        try {
            String type =
                    Files.readString(typePath(blob), StandardCharsets.US_ASCII).strip();
            return type.isEmpty() ? UNKNOWN_TYPE : type;
        } catch (NoSuchFileException e) {
            return UNKNOWN_TYPE;
        }
    }

    private interface Writer {
        void writeTo(Path target) throws IOException;
    }

    /** Writes through a forced temporary file renamed onto {@code target}; returns the size written. */
    private static long writeAtomically(Path dir, Path target, Writer writer) throws IOException {
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", TEMP_SUFFIX);
        try {
            writer.writeTo(temp);
            long size;
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
                size = channel.size();
            }
            // On POSIX a rename replaces an existing target atomically; a racing put renamed the same bytes.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(dir);
            return size;
        } catch (FileAlreadyExistsException raced) {
            // Where the file system refuses to rename onto an existing file, the racing put has won.
            return Files.size(target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void copy(Path source, Path target) throws IOException {
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            long size = in.size();
            long done = 0;
            while (done < size) {
                long moved = in.transferTo(done, size - done, out);
                if (moved <= 0) {
                    // Stored under its hash, a truncated copy would be a lie that lasts forever.
                    throw new IOException(
                            "%s shrank from %d to %d bytes while being stored".formatted(source, size, done));
                }
                done += moved;
            }
        }
    }

    /** Makes the rename itself durable; not every platform can open a directory, which only costs durability. */
    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel; the data itself was already forced.
        }
    }
}
