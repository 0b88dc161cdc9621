package io.omniservice.media.check;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scans files with ClamAV's daemon through its INSTREAM command, so clamd needs no access to the gateway's
 * disk: the bytes go over the socket in length-prefixed chunks. Any answer other than {@code stream: OK}
 * or {@code stream: <signature> FOUND} (an {@code ERROR}, a timeout, a dropped connection) is an
 * {@link IOException}: a scanner that fails must hold files back, not let them through. Set clamd's
 * {@code StreamMaxLength} above the media policy's largest limit, or big files come back as errors.
 * One connection per scan; thread-safe.
 */
public final class ClamdScanner implements MalwareScanner {
    private static final Logger log = LoggerFactory.getLogger(ClamdScanner.class);
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final String STREAM_PREFIX = "stream: ";

    private final ClamdTarget target;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    /**
     * @param readTimeout how long clamd may go without reading or answering; scanning a large file
     *     takes seconds
     */
    public ClamdScanner(ClamdTarget target, Duration connectTimeout, Duration readTimeout) {
        this.target = Objects.requireNonNull(target, "target");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
    }

    /** {@code tcp://host:port} or {@code unix:/path}, 5 s to connect, 60 s for clamd to answer. */
    public static ClamdScanner of(String target) {
        return new ClamdScanner(ClamdTarget.parse(target), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    @Override
    public ScanVerdict scan(Path file) throws IOException {
        long started = System.nanoTime();
        ScanVerdict verdict;
        try (InputStream in = Files.newInputStream(file)) {
            verdict = scan(in);
        }
        log.debug(
                "clamd at {} scanned {} bytes in {} ms: {}",
                target,
                Files.size(file),
                (System.nanoTime() - started) / 1_000_000,
                verdict.infected() ? verdict.signature() : "clean");
        return verdict;
    }

    /** Scans the stream's remaining bytes. */
    public ScanVerdict scan(InputStream content) throws IOException {
        try (ClamdConnection connection = ClamdConnection.open(target, connectTimeout, readTimeout)) {
            try {
                connection.write("zINSTREAM\0");
                ByteBuffer frame = ByteBuffer.allocate(4 + CHUNK_BYTES);
                byte[] chunk = new byte[CHUNK_BYTES];
                int n;
                while ((n = content.readNBytes(chunk, 0, CHUNK_BYTES)) > 0) {
                    frame.clear();
                    frame.putInt(n).put(chunk, 0, n).flip();
                    connection.write(frame);
                }
                connection.write(ByteBuffer.allocate(4).putInt(0).flip());
            } catch (IOException uploadFailed) {
                // clamd answers (e.g. "INSTREAM size limit exceeded. ERROR") and closes while we still send.
                String reply;
                try {
                    reply = connection.readReply();
                } catch (IOException noReply) {
                    uploadFailed.addSuppressed(noReply);
                    throw new IOException(
                            "clamd at " + target + " broke off the upload: " + uploadFailed.getMessage(), uploadFailed);
                }
                return verdict(reply);
            }
            return verdict(connection.readReply());
        }
    }

    /**
     * Checks that clamd answers {@code PONG}.
     *
     * @throws IOException saying what answered instead, or why nothing did
     */
    public void ping() throws IOException {
        try (ClamdConnection connection = ClamdConnection.open(target, connectTimeout, readTimeout)) {
            connection.write("zPING\0");
            String reply = connection.readReply().strip();
            if (!reply.equals("PONG")) {
                throw new IOException("clamd at " + target + " answered PING with '" + reply + "'");
            }
        }
    }

    @Override
    public String describe() {
        return "clamd at " + target;
    }

    private ScanVerdict verdict(String rawReply) throws IOException {
        String reply = rawReply.strip();
        if (reply.equals(STREAM_PREFIX + "OK")) {
            return ScanVerdict.CLEAN;
        }
        if (reply.startsWith(STREAM_PREFIX) && reply.endsWith(" FOUND")) {
            String signature = reply.substring(STREAM_PREFIX.length(), reply.length() - " FOUND".length())
                    .strip();
            if (!signature.isEmpty()) {
                return ScanVerdict.infected(signature);
            }
        }
        if (reply.endsWith("ERROR")) {
            throw new IOException("clamd at " + target + " could not scan the file: " + reply);
        }
        throw new IOException("clamd at " + target + " gave an unexpected reply: '" + reply + "'");
    }
}
