package io.omniservice.media.convert;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.omniservice.carriers.testkit.CapturedLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Finding ffmpeg, and the parsing of its answers; runs with or without ffmpeg installed. */
class FfmpegLocateTest {
    private CapturedLog logged;

    @BeforeEach
    void listen() {
        logged = CapturedLog.of(Ffmpeg.class);
    }

    @AfterEach
    void stopListening() {
        logged.close();
    }

    @Test
    void missingBinaryIsAbsentWithAWarningThatMediaGoesUntranscoded() {
        assertThat(Ffmpeg.locate("/nonexistent/bin/ffmpeg")).isEmpty();

        assertThat(logged.events())
                .filteredOn(e -> e.getLevel() == Level.WARN)
                .singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage())
                        .startsWith("ffmpeg not found: audio/video will be stored and sent as received, not transcoded"
                                + " (tried '/nonexistent/bin/ffmpeg': "));
    }

    @Test
    void ffprobeIsLookedForBesideAConfiguredFfmpeg() {
        assertThat(Ffmpeg.siblingProbe("/opt/ffmpeg-7/bin/ffmpeg")).isEqualTo("/opt/ffmpeg-7/bin/ffprobe");
        assertThat(Ffmpeg.siblingProbe("ffmpeg")).isEqualTo("ffprobe");
    }

    @Test
    void encoderListingIsParsed() {
        String listing = """
                Encoders:
                 V..... = Video
                 A..... = Audio
                 ------
                 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
                 A..... aac                  AAC (Advanced Audio Coding)
                 A....D libmp3lame           libmp3lame MP3 (MPEG audio layer 3) (codec mp3)
                """;

        assertThat(Ffmpeg.encoders(listing)).containsExactly("libx264", "aac", "libmp3lame");
    }

    @Test
    void probeOutputGivesDurationAndTheFirstVideoStreamsSize() {
        MediaProbe probe = MediaProbe.parse("""
                codec_type=video
                width=640
                height=480
                codec_type=audio
                codec_type=video
                width=64
                height=64
                duration=4.010000
                """);

        assertThat(probe).isEqualTo(new MediaProbe(4.01, true, true, 640, 480));
        assertThat(MediaProbe.parse("codec_type=audio\nduration=N/A\n").seconds())
                .isZero();
    }
}
