package io.omniservice.media.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaKeys;
import io.omniservice.core.media.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every {@link BlobStore} adapter promises, run against each of them, so the embedded and the S3
 * modes cannot drift apart.
 */
abstract class BlobStoreContract {
    static final int SIZE = 100_000;

    @TempDir
    Path sources;

    BlobStore store;

    /** A fresh store for one test; the contract closes it afterwards. */
    abstract BlobStore newStore() throws Exception;

    /**
     * Something about the stored object under {@code key} that changes whenever it is written again, even
     * with the same bytes: the file's identity and time, or the server's count of uploads.
     */
    abstract Object writeMark(String key) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    record Sample(String key, byte[] bytes, Path file) {}

    Sample sample(int size) throws IOException {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        String key = sha256(bytes);
        Path file = Files.write(sources.resolve(key), bytes);
        return new Sample(key, bytes, file);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    byte[] read(String key, long offset, long length) throws IOException {
        try (InputStream in = store.open(key, offset, length)) {
            return in.readAllBytes();
        }
    }

    @Test
    void putReturnsAndStatReportsTypeAndSize() throws Exception {
        Sample sample = sample(SIZE);

        StoredBlob stored = store.put(sample.key(), sample.file(), "image/png");

        assertThat(stored).isEqualTo(new StoredBlob(sample.key(), "image/png", SIZE));
        assertThat(store.stat(sample.key())).contains(stored);
    }

    @Test
    void openWithoutLengthReadsTheWholeBlob() throws Exception {
        Sample sample = sample(SIZE);
        store.put(sample.key(), sample.file(), "application/pdf");

        assertThat(read(sample.key(), 0, -1)).isEqualTo(sample.bytes());
    }

    @ParameterizedTest(name = "offset {0}, length {1}")
    @CsvSource({
        "0, 1", // first byte
        "40000, 5000", // middle
        "99999, 1", // last byte
        "99990, -1", // to the end
        "0, 100000", // everything, by length
        "12345, -1"
    })
    void openReadsExactlyTheRequestedRange(long offset, long length) throws Exception {
        Sample sample = sample(SIZE);
        store.put(sample.key(), sample.file(), "video/mp4");

        int end = length < 0 ? SIZE : (int) (offset + length);
        assertThat(read(sample.key(), offset, length)).isEqualTo(Arrays.copyOfRange(sample.bytes(), (int) offset, end));
    }

    @Test
    void rangeRunningPastTheEndStopsAtTheEnd() throws Exception {
        Sample sample = sample(SIZE);
        store.put(sample.key(), sample.file(), "video/mp4");

        assertThat(read(sample.key(), SIZE - 5, 100)).isEqualTo(Arrays.copyOfRange(sample.bytes(), SIZE - 5, SIZE));
        assertThat(read(sample.key(), SIZE, 10)).isEmpty();
        assertThat(read(sample.key(), SIZE + 1000, -1)).isEmpty();
        assertThat(read(sample.key(), 10, 0)).isEmpty();
    }

    @Test
    void emptyFileIsStoredAndReadBack() throws Exception {
        Sample empty = sample(0);

        assertThat(store.put(empty.key(), empty.file(), "text/plain").size()).isZero();

        assertThat(store.stat(empty.key())).map(StoredBlob::size).contains(0L);
        assertThat(read(empty.key(), 0, -1)).isEmpty();
    }

    @Test
    void putOfAStoredKeyWritesNothing() throws Exception {
        Sample sample = sample(SIZE);
        store.put(sample.key(), sample.file(), "image/jpeg");
        Object before = writeMark(sample.key());

        StoredBlob again = store.put(sample.key(), sample.file(), "application/octet-stream");

        assertThat(writeMark(sample.key())).isEqualTo(before);
        assertThat(again).isEqualTo(new StoredBlob(sample.key(), "image/jpeg", SIZE));
        assertThat(store.stat(sample.key())).contains(again);
    }

    @Test
    void concurrentPutsOfOneKeyLeaveOneIntactBlob() throws Exception {
        Sample sample = sample(SIZE);

        putFromEightThreadsAtOnce(sample, "audio/ogg");

        assertThat(store.stat(sample.key())).contains(new StoredBlob(sample.key(), "audio/ogg", SIZE));
        assertThat(read(sample.key(), 0, -1)).isEqualTo(sample.bytes());
    }

    void putFromEightThreadsAtOnce(Sample sample, String contentType) throws Exception {
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<StoredBlob>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return store.put(sample.key(), sample.file(), contentType);
                }));
            }
            for (Future<StoredBlob> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS))
                        .isEqualTo(new StoredBlob(sample.key(), contentType, sample.bytes().length));
            }
        }
    }

    @Test
    void deleteRemovesTheBlobAndIsIdempotent() throws Exception {
        Sample sample = sample(SIZE);
        store.put(sample.key(), sample.file(), "image/gif");

        store.delete(sample.key());

        assertThat(store.stat(sample.key())).isEmpty();
        assertThatThrownBy(() -> store.open(sample.key(), 0, -1)).isInstanceOf(NoSuchFileException.class);
        store.delete(sample.key());
    }

    @Test
    void missingKeyHasNoStatAndCannotBeOpened() throws Exception {
        String missing = sha256(("missing " + System.nanoTime()).getBytes());

        assertThat(store.stat(missing)).isEmpty();
        assertThatThrownBy(() -> store.open(missing, 0, -1)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.open(missing, 10, 20)).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.open(missing, 0, 0)).isInstanceOf(NoSuchFileException.class);
    }

    static Stream<String> badKeys() {
        String hex = "0123456789abcdef".repeat(4);
        return Stream.of(
                null,
                "",
                "../../etc/passwd",
                hex.toUpperCase(),
                hex.substring(1),
                hex + "0",
                "/" + hex,
                hex.substring(0, 63) + "/",
                "quarantine/",
                "quarantine/../" + hex,
                "quarantine/" + hex.toUpperCase(),
                "quarantine/quarantine/" + hex,
                "QUARANTINE/" + hex,
                hex.substring(0, 60) + "\u0000abc");
    }

    @ParameterizedTest
    @MethodSource("badKeys")
    void keysThatAreNotStorableAreRefused(String key) throws Exception {
        Sample sample = sample(10);

        assertThatThrownBy(() -> store.put(key, sample.file(), "text/plain"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a blob key");
        assertThatThrownBy(() -> store.stat(key)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.open(key, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.delete(key)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void contentTypeThatCannotBeAHeaderIsRefused() throws Exception {
        Sample sample = sample(10);

        assertThatThrownBy(() -> store.put(sample.key(), sample.file(), "text/plain\r\nX-Evil: 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("content type");
        assertThatThrownBy(() -> store.put(sample.key(), sample.file(), " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.stat(sample.key())).isEmpty();
    }

    @Test
    void putOfAMissingSourceFileFailsAndStoresNothing() throws Exception {
        Sample sample = sample(10);
        Files.delete(sample.file());

        assertThatThrownBy(() -> store.put(sample.key(), sample.file(), "text/plain"))
                .isInstanceOf(NoSuchFileException.class);
        assertThat(store.stat(sample.key())).isEmpty();
    }

    @Test
    void negativeOffsetIsRefused() throws Exception {
        Sample sample = sample(10);
        store.put(sample.key(), sample.file(), "text/plain");

        assertThatThrownBy(() -> store.open(sample.key(), -1, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset");
    }

    @Test
    void quarantinedBlobIsStoredApartFromItsContentKey() throws Exception {
        Sample sample = sample(SIZE);
        String quarantined = MediaKeys.quarantined(sample.key());

        assertThat(store.put(quarantined, sample.file(), "application/zip"))
                .isEqualTo(new StoredBlob(quarantined, "application/zip", SIZE));

        assertThat(store.stat(sample.key())).isEmpty();
        assertThat(read(quarantined, 0, -1)).isEqualTo(sample.bytes());
        store.delete(quarantined);
        assertThat(store.stat(quarantined)).isEmpty();
    }
}
