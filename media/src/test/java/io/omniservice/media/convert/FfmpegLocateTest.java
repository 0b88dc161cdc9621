package io.omniservice.media.convert;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Finding ffmpeg, and the parsing of its answers; runs with or without ffmpeg installed. */
class FfmpegLocateTest {
    private final Logger logger = logbackLogger(Ffmpeg.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void listen() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(logged);
    }

    /**
     * Logback's logger for {@code type}. While another test thread is still starting SLF4J, {@code getLogger}
     * hands out a stand-in that is not Logback's; wait for the real one.
     */
    private static Logger logbackLogger(Class<?> type) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        org.slf4j.ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        while (!(factory instanceof ch.qos.logback.classic.LoggerContext)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("SLF4J did not bind to Logback: " + factory.getClass());
            }
            Thread.onSpinWait();
            factory = LoggerFactory.getILoggerFactory();
        }
        return ((ch.qos.logback.classic.LoggerContext) factory).getLogger(type);
    }

    @Test
    void missingBinaryIsAbsentWithAWarningThatMediaGoesUntranscoded() {
        assertThat(Ffmpeg.locate("/nonexistent/bin/ffmpeg")).isEmpty();

        assertThat(logged.list)
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
