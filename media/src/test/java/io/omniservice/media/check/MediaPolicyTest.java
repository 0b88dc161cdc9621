package io.omniservice.media.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediaPolicyTest {
    private static final long MIB = 1L << 20;
    private final MediaPolicy policy = MediaPolicy.defaults();

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
        "image/jpeg, IMAGE",
        "image/png, IMAGE",
        "image/gif, IMAGE",
        "image/webp, IMAGE",
        "video/mp4, VIDEO",
        "video/3gpp, VIDEO",
        "audio/mpeg, AUDIO",
        "audio/ogg, AUDIO",
        "audio/amr, AUDIO",
        "application/pdf, DOCUMENT",
        "application/msword, DOCUMENT",
        "application/vnd.ms-excel, DOCUMENT",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document, DOCUMENT",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, DOCUMENT"
    })
    void acceptsTheSeedFormats(String type, MediaKind kind) {
        assertThat(MediaPolicy.kindOf(type)).contains(kind);
        assertThat(policy.refusal(type, 1000)).isEmpty();
    }

    @Test
    void refusesOtherTypesListingTheAcceptedOnes() {
        assertThat(policy.refusal("text/html", 2000))
                .contains("text/html is not an accepted media type (accepted: image/jpeg, image/png, image/gif,"
                        + " image/webp, video/mp4, video/3gpp, video/quicktime, audio/mpeg, audio/ogg, audio/amr, application/pdf,"
                        + " application/msword, application/vnd.ms-excel,"
                        + " application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                        + " application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)");
        assertThat(policy.refusal("application/octet-stream", 10)).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("application/octet-stream is not an accepted media type"));
        assertThat(MediaPolicy.kindOf("video/quicktime")).contains(MediaKind.VIDEO);
        assertThat(MediaPolicy.kindOf("application/vnd.openxmlformats-officedocument.presentationml.presentation"))
                .isEmpty();
        assertThat(MediaPolicy.kindOf(null)).isEmpty();
    }

    @Test
    void refusesFilesOverTheirKindsLimit() {
        assertThat(policy.refusal("video/mp4", 70 * MIB))
                .contains("video/mp4 of 70.0 MiB is over the 64.0 MiB limit for video");
        assertThat(policy.refusal("image/png", 10 * MIB + 1))
                .contains("image/png of 10.0 MiB is over the 10.0 MiB limit for image");
        assertThat(policy.refusal("image/png", 10 * MIB)).isEmpty();
        assertThat(policy.refusal("audio/ogg", 16 * MIB + 512 * 1024))
                .contains("audio/ogg of 16.5 MiB is over the 16.0 MiB limit for audio");
        assertThat(policy.refusal("application/pdf", 100 * MIB)).isEmpty();
        assertThat(policy.refusal("application/pdf", 0)).contains("the application/pdf file is empty");
    }

    @Test
    void limitsAreConfigurablePerKind() {
        MediaPolicy strict = new MediaPolicy(Map.of(MediaKind.IMAGE, 1 * MIB, MediaKind.DOCUMENT, 5 * MIB));

        assertThat(strict.refusal("image/jpeg", 2 * MIB))
                .contains("image/jpeg of 2.0 MiB is over the 1.0 MiB limit for image");
        assertThat(strict.maxBytes(MediaKind.VIDEO)).isEqualTo(64 * MIB);
        assertThat(strict.maxBytes()).isEqualTo(64 * MIB);
        assertThat(policy.maxBytes()).isEqualTo(100 * MIB);
    }

    @Test
    void aLimitMustBePositive() {
        assertThatThrownBy(() -> new MediaPolicy(Map.of(MediaKind.AUDIO, 0L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the size limit for audio must be positive, got 0");
    }

    @Test
    void aPageOrAPictureWithTheWrongNameIsJudgedByItsBytes(@TempDir Path dir) throws Exception {
        MediaDetector detector = new MediaDetector();
        Path page = Files.writeString(dir.resolve("report.pdf"), "<html><body><h1>Login</h1></body></html>");
        Path pdf = Files.writeString(dir.resolve("report.png"), MediaDetectorTest.minimalPdf());

        assertThat(policy.refusal(detector.detect(page), Files.size(page)))
                .hasValueSatisfying(reason -> assertThat(reason).startsWith("text/html is not an accepted media type"));
        assertThat(policy.refusal(detector.detect(pdf), Files.size(pdf))).isEmpty();
    }
}
