package io.omniservice.media.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path root;

    @Override
    BlobStore newStore() throws Exception {
        return new FileBlobStore(root);
    }

    /** A rewrite renames a new file into place, which changes the inode even within one mtime tick. */
    @Override
    Object writeMark(String key) throws Exception {
        BasicFileAttributes attributes =
                Files.readAttributes(((FileBlobStore) store).blobPath(key), BasicFileAttributes.class);
        return List.of(String.valueOf(attributes.fileKey()), attributes.lastModifiedTime(), attributes.size());
    }

    @Test
    void blobIsFiledUnderTwoLevelsOfItsOwnHashWithItsTypeBeside() throws Exception {
        Sample sample = sample(1000);

        store.put(sample.key(), sample.file(), "image/webp");

        Path dir =
                root.resolve(sample.key().substring(0, 2)).resolve(sample.key().substring(2, 4));
        assertThat(dir.resolve(sample.key())).hasBinaryContent(sample.bytes());
        assertThat(dir.resolve(sample.key() + ".type")).hasContent("image/webp");
    }

    @Test
    void quarantinedBlobIsFiledUnderTheQuarantineDirectory() throws Exception {
        Sample sample = sample(1000);

        store.put(MediaKeys.quarantined(sample.key()), sample.file(), "application/zip");

        Path dir = root.resolve("quarantine")
                .resolve(sample.key().substring(0, 2))
                .resolve(sample.key().substring(2, 4));
        assertThat(dir.resolve(sample.key())).hasBinaryContent(sample.bytes());
        assertThat(root.resolve(sample.key().substring(0, 2))).doesNotExist();
    }

    @Test
    void concurrentPutsLeaveNoTemporaryFilesBehind() throws Exception {
        Sample sample = sample(SIZE);

        putFromEightThreadsAtOnce(sample, "audio/ogg");

        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(sample.key(), sample.key() + ".type");
        }
        assertThat(((FileBlobStore) store).blobPath(sample.key())).hasBinaryContent(sample.bytes());
    }

    @Test
    void deleteRemovesTheTypeFileToo() throws Exception {
        Sample sample = sample(100);
        store.put(sample.key(), sample.file(), "text/plain");

        store.delete(sample.key());

        try (Stream<Path> files = Files.walk(root)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void blobWhoseTypeFileIsGoneIsServedAsOctetStream() throws Exception {
        Sample sample = sample(100);
        store.put(sample.key(), sample.file(), "text/plain");
        Path blob = ((FileBlobStore) store).blobPath(sample.key());
        Files.delete(blob.resolveSibling(sample.key() + ".type"));

        assertThat(store.stat(sample.key()))
                .hasValueSatisfying(stat -> assertThat(stat.contentType()).isEqualTo("application/octet-stream"));
    }

    @Test
    void constructorCreatesTheRootWithItsParents() throws Exception {
        Path nested = root.resolve("a/b/media");

        try (FileBlobStore created = new FileBlobStore(nested)) {
            assertThat(nested).isDirectory();
            assertThat(created.root()).isEqualTo(nested.toAbsolutePath());
        }
    }

    @Test
    void embeddedStoreHasNoPresignedUrlsSoTheGatewaySignsItsOwn() throws Exception {
        Sample sample = sample(100);
        store.put(sample.key(), sample.file(), "text/plain");

        assertThat(store.presign(sample.key(), Duration.ofMinutes(5))).isEmpty();
    }
}
