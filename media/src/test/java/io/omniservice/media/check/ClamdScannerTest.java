package io.omniservice.media.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.media.check.FakeClamd.Behaviour;
import io.omniservice.media.check.FakeClamd.Session;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The INSTREAM protocol against a fake clamd: framing, replies, and every way a scan can fail. */
class ClamdScannerTest {
    @TempDir
    Path dir;

    @Test
    void streamsTheFileInLengthPrefixedChunksEndedByAnEmptyOne() throws Exception {
        byte[] content = randomBytes(200_000);
        Path file = Files.write(dir.resolve("upload.bin"), content);
        try (FakeClamd clamd = FakeClamd.tcp(Behaviour.ANSWER, "stream: OK")) {
            ScanVerdict verdict = scanner(clamd).scan(file);

            Session session = clamd.session();
            assertThat(verdict).isEqualTo(ScanVerdict.CLEAN);
            assertThat(session.command()).isEqualTo("zINSTREAM");
            assertThat(session.chunkLengths()).containsExactly(65_536, 65_536, 65_536, 3_392, 0);
            assertThat(session.content()).isEqualTo(content);
        }
    }

    @Test
    void reportsTheSignatureClamdFound() throws Exception {
        Path file = Files.writeString(dir.resolve("invoice.pdf"), "pretend");
        try (FakeClamd clamd = FakeClamd.tcp(Behaviour.ANSWER, "stream: Win.Trojan.Agent-123 FOUND")) {
            assertThat(scanner(clamd).scan(file)).isEqualTo(ScanVerdict.infected("Win.Trojan.Agent-123"));
        }
    }

    @Test
    void anErrorReplyIsAnIOExceptionNotAVerdict() throws Exception {
        Path file = Files.writeString(dir.resolve("a.txt"), "x");
        try (FakeClamd clamd = FakeClamd.tcp(Behaviour.ANSWER, "Can't allocate memory ERROR")) {
            assertThatThrownBy(() -> scanner(clamd).scan(file))
                    .isInstanceOf(IOException.class)
                    .hasMessage("clamd at " + clamd.target() + " could not scan the file: Can't allocate memory ERROR");
        }
    }

    @Test
    void theSizeLimitErrorSentMidStreamIsReported() throws Exception {
        Path file = Files.write(dir.resolve("big.bin"), randomBytes(3_000_000));
        try (FakeClamd clamd = FakeClamd.tcp(Behaviour.ANSWER_EARLY, "INSTREAM size limit exceeded. ERROR")) {
            assertThatThrownBy(() -> scanner(clamd).scan(file))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("INSTREAM size limit exceeded. ERROR");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stream: ", "stream:  FOUND", "OK", "stream: OK please"})
    void anUnexpectedReplyIsAnIOException(String reply) throws Exception {
        Path file = Files.writeString(dir.resolve("a.txt"), "x");
        try (FakeClamd clamd = FakeClamd.tcp(Behaviour.ANSWER, reply)) {
            assertThatThrownBy(() -> scanner(clamd).scan(file))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("unexpected reply");
        }
    }

    @Test
    void aConnectionClosedWithoutAReplyIsAnIOException() throws Exception {
        Path file = Files.writeString(dir.resolve("a.txt"), "x");
        try (FakeClamd clamd = FakeClamd.tcp(Behaviour.HANG_UP, null)) {
            assertThatThrownBy(() -> scanner(clamd).scan(file))
                    .isInstanceOf(IOException.class)
                    .hasMessage("clamd at " + clamd.target() + " closed the connection without a reply");
        }
    }

    @Test
    void aSilentClamdTimesOut() throws Exception {
        Path file = Files.writeString(dir.resolve("a.txt"), "x");
        try (FakeClamd clamd = FakeClamd.tcp(Behaviour.STAY_SILENT, null)) {
            ClamdScanner impatient = new ClamdScanner(clamd.target(), Duration.ofSeconds(1), Duration.ofMillis(300));

            long started = System.nanoTime();
            assertThatThrownBy(() -> impatient.scan(file))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("clamd at " + clamd.target() + " did not reply within 300 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void nobodyListeningIsAnIOException() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        ClamdScanner scanner = ClamdScanner.of("tcp://127.0.0.1:" + port);

        assertThatThrownBy(() -> scanner.scan(Files.writeString(dir.resolve("a.txt"), "x")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(scanner::ping).isInstanceOf(IOException.class);
    }

    @Test
    void speaksTheSameProtocolOverAUnixSocket() throws Exception {
        byte[] content = randomBytes(70_000);
        Path file = Files.write(dir.resolve("upload.bin"), content);
        try (FakeClamd clamd = FakeClamd.unix(dir.resolve("clamd.sock"), Behaviour.ANSWER, "stream: Eicar FOUND")) {
            ClamdScanner scanner = ClamdScanner.of("unix:" + dir.resolve("clamd.sock"));

            assertThat(scanner.scan(file)).isEqualTo(ScanVerdict.infected("Eicar"));
            assertThat(clamd.session().chunkLengths()).containsExactly(65_536, 4_464, 0);
            assertThat(scanner.describe()).isEqualTo("clamd at unix:" + dir.resolve("clamd.sock"));
        }
    }

    @Test
    void pingExpectsPong() throws Exception {
        try (FakeClamd pong = FakeClamd.tcp(Behaviour.ANSWER, "PONG");
                FakeClamd other = FakeClamd.tcp(Behaviour.ANSWER, "UNKNOWN COMMAND")) {
            scanner(pong).ping();
            assertThat(pong.session().command()).isEqualTo("zPING");
            assertThatThrownBy(() -> scanner(other).ping())
                    .isInstanceOf(IOException.class)
                    .hasMessage("clamd at " + other.target() + " answered PING with 'UNKNOWN COMMAND'");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "tcp://127.0.0.1:3310, tcp://127.0.0.1:3310",
        "tcp://clamav.internal:3310, tcp://clamav.internal:3310",
        "tcp://[::1]:3310, tcp://[::1]:3310",
        "unix:/run/clamav/clamd.ctl, unix:/run/clamav/clamd.ctl",
        "unix:///run/clamav/clamd.ctl, unix:/run/clamav/clamd.ctl"
    })
    void parsesTargets(String text, String normalized) {
        assertThat(ClamdTarget.parse(text)).hasToString(normalized);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(
            strings = {
                "127.0.0.1:3310",
                "tcp://127.0.0.1",
                "tcp://127.0.0.1:3310/x",
                "unix:clamd.sock",
                "http://x:1",
                " "
            })
    void refusesMalformedTargets(String text) {
        assertThatThrownBy(() -> ClamdTarget.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "clamd address '" + text + "' is not tcp://host:port or unix:/path/to/clamd.sock");
    }

    @Test
    void aVerdictIsConsistent() {
        assertThatThrownBy(() -> new ScanVerdict(true, " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ScanVerdict(false, "Eicar")).isInstanceOf(IllegalArgumentException.class);
        assertThat(MalwareScanner.NONE.describe()).isEqualTo("no malware scanning");
    }

    private static ClamdScanner scanner(FakeClamd clamd) {
        return new ClamdScanner(clamd.target(), Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
