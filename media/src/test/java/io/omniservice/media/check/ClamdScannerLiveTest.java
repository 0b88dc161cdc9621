package io.omniservice.media.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real clamd: {@code .ci/clamd} starts one whose only signature is EICAR. The address comes from
 * {@code OMNI_CLAMD} (default {@code tcp://127.0.0.1:3310}); without a clamd answering PING these skip.
 */
class ClamdScannerLiveTest {
    /** The standard anti-malware test file, assembled here so this source is not itself flagged. */
    private static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private final String address = Objects.requireNonNullElse(System.getenv("OMNI_CLAMD"), "tcp://127.0.0.1:3310");
    private final ClamdScanner scanner = ClamdScanner.of(address);

    @TempDir
    Path dir;

    @BeforeEach
    void clamdAnswers() {
        String why = null;
        try {
            scanner.ping();
        } catch (IOException e) {
            why = e.toString();
        }
        String reason = why;
        assumeTrue(
                reason == null,
                () -> "no clamd answers PING at " + address + " (run .ci/clamd, or set OMNI_CLAMD): " + reason);
    }

    @Test
    void findsTheEicarTestFile() throws IOException {
        assertThat(EICAR.getBytes(StandardCharsets.US_ASCII)).hasSize(68);
        Path file = Files.writeString(dir.resolve("eicar.com"), EICAR, StandardCharsets.US_ASCII);

        ScanVerdict verdict = scanner.scan(file);

        assertThat(verdict.infected()).isTrue();
        assertThat(verdict.signature()).containsIgnoringCase("Eicar");
    }

    @Test
    void passesACleanPicture() throws IOException {
        Path png = dir.resolve("clean.png");
        ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "png", png.toFile());

        assertThat(scanner.scan(png)).isEqualTo(ScanVerdict.CLEAN);
    }
}
