package io.omniservice.media.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs the real ffmpeg; skipped, saying so, on a machine without one. */
class FfmpegTest {
    private static final Path SAMPLES = Path.of("src/test/resources/samples");
    private static Ffmpeg ffmpeg;

    @TempDir
    static Path shared;

    private static Path video;

    @TempDir
    Path dir;

    @BeforeAll
    static void findFfmpegAndMakeAVideo() throws IOException {
        Optional<Ffmpeg> found = Ffmpeg.locate(null);
        Assumptions.assumeTrue(
                found.isPresent(),
                "ffmpeg/ffprobe are not installed on this machine: the transcoding tests are skipped");
        ffmpeg = found.get();
        // four seconds of 640×480 MPEG-4 Part 2 with a tone, in MOV: what older phones send
        video = shared.resolve("phone.mov");
        ToolRun made = ToolRun.run(
                List.of(
                        "ffmpeg",
                        "-nostdin",
                        "-y",
                        "-loglevel",
                        "error",
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc=s=640x480:r=25:d=4",
                        "-f",
                        "lavfi",
                        "-i",
                        "sine=f=440:d=4",
                        "-c:v",
                        "mpeg4",
                        "-q:v",
                        "4",
                        "-c:a",
                        "aac",
                        "-shortest",
                        video.toString()),
                Duration.ofMinutes(1));
        assertThat(made.ok()).as(made.failure()).isTrue();
    }

    @Test
    void videoBecomesH264AndAacMp4WithinTheLimit() throws IOException {
        Converted mp4 = ffmpeg.toMp4(video, 1_000_000, dir);

        assertThat(mp4.contentType()).isEqualTo("video/mp4");
        assertThat(mp4.size()).isLessThanOrEqualTo(1_000_000).isEqualTo(Files.size(mp4.file()));
        assertThat(streams(mp4.file())).containsExactly("video h264 yuv420p 640x480", "audio aac");
        assertThat(mp4).extracting(Converted::width, Converted::height).containsExactly(640, 480);
        assertThat(Files.readAllBytes(mp4.file()))
                .as("faststart: moov before mdat")
                .satisfies(bytes -> {
                    String head = new String(bytes, 0, 200, java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertThat(head.indexOf("moov")).isPositive().isLessThan(Math.max(0, head.indexOf("mdat")) + 200);
                });
    }

    @Test
    void aTightLimitDownscalesTheVideo() throws IOException {
        Converted mp4 = ffmpeg.toMp4(video, 60_000, dir);

        assertThat(mp4.size()).isLessThanOrEqualTo(60_000);
        assertThat(mp4.height()).isEqualTo(240);
        assertThat(mp4.width()).isEqualTo(320);
        assertThat(streams(mp4.file())).containsExactly("video h264 yuv420p 320x240", "audio aac");
    }

    @Test
    void aLimitTooSmallForTheDurationIsRefusedWithTheReason() {
        assertThatThrownBy(() -> ffmpeg.toMp4(video, 5_000, dir))
                .isInstanceOf(IOException.class)
                .hasMessageMatching("phone.mov lasts 4\\.0 s: it needs at least \\d+ bytes as MP4 \\(64 kbps\\),"
                        + " the limit is 5000 bytes");
        assertThat(dir).isEmptyDirectory();
    }

    @ParameterizedTest
    @CsvSource({"audio/mpeg, mp3, .mp3", "audio/ogg, opus, .ogg", "audio/mp4, aac, .m4a"})
    void voiceNoteIsTranscodedToTheCarriersAudioType(String type, String codec, String extension) throws IOException {
        Converted audio = ffmpeg.toAudio(SAMPLES.resolve("convert-noise.amr"), type, 50_000, dir);

        assertThat(audio.contentType()).isEqualTo(type);
        assertThat(audio.file().toString()).endsWith(extension);
        assertThat(audio.size()).isLessThanOrEqualTo(50_000).isPositive().isEqualTo(Files.size(audio.file()));
        assertThat(audio).extracting(Converted::width, Converted::height).containsExactly(0, 0);
        assertThat(streams(audio.file())).containsExactly("audio " + codec);
    }

    @Test
    void audioIsTakenFromAVideoAndSizedToTheLimit() throws IOException {
        Converted audio = ffmpeg.toAudio(video, "audio/mpeg", 8_000, dir);

        assertThat(audio.size()).isLessThanOrEqualTo(8_000);
        assertThat(streams(audio.file())).containsExactly("audio mp3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"convert-clip.mp4", "convert-clip.3gp", "convert-clip.mov"})
    void committedVideoSamplesConvert(String sample) throws IOException {
        Converted mp4 = ffmpeg.toMp4(SAMPLES.resolve(sample), 100_000, dir);

        assertThat(streams(mp4.file())).hasSize(2).first().asString().startsWith("video h264 yuv420p");
    }

    @Test
    void corruptInputFailsWithFfmpegsOwnMessage() throws IOException {
        Path broken = Files.write(
                dir.resolve("broken.mp4"),
                "not a video at all, just text".repeat(100).getBytes());

        assertThatThrownBy(() -> ffmpeg.toMp4(broken, 1_000_000, dir))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("ffprobe cannot read broken.mp4: ")
                .hasMessageContaining("Invalid data found when processing input");
        assertThatThrownBy(() -> ffmpeg.toAudio(broken, "audio/ogg", 1_000_000, dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Invalid data found when processing input");
        assertThat(dir).isDirectoryNotContaining(p -> !p.equals(broken));
    }

    @Test
    void aVideosPosterFrameIsAPngNoWiderThanAsked() throws IOException {
        Path frame = ffmpeg.posterFrame(video, 320, dir);

        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(frame.toFile());
        assertThat(image.getWidth()).isEqualTo(320);
        assertThat(image.getHeight()).isEqualTo(240);
        assertThat(Files.readAllBytes(frame)).startsWith(0x89, 'P', 'N', 'G');
        // a frame of testsrc is coloured bars, not the black an empty decode gives
        assertThat(image.getRGB(40, 40) & 0xFFFFFF).isNotZero();

        Path small = ffmpeg.posterFrame(SAMPLES.resolve("convert-clip.3gp"), 4096, dir);
        assertThat(javax.imageio.ImageIO.read(small.toFile()).getWidth())
                .as("never wider than the video")
                .isLessThanOrEqualTo(352);
        assertThatThrownBy(() -> ffmpeg.posterFrame(SAMPLES.resolve("convert-tone.ogg"), 320, dir))
                .hasMessage("convert-tone.ogg has no video stream");
    }

    @Test
    void wrongKindOfInputIsNamed() {
        assertThatThrownBy(() -> ffmpeg.toMp4(SAMPLES.resolve("convert-tone.ogg"), 100_000, dir))
                .hasMessage("convert-tone.ogg has no video stream");
        assertThatThrownBy(() -> ffmpeg.toAudio(SAMPLES.resolve("convert-tone.ogg"), "audio/amr", 100_000, dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot write audio/amr with this ffmpeg; it writes [");
    }

    @Test
    void thisFfmpegReportsWhatItWrites() {
        assertThat(ffmpeg.version()).startsWith("ffmpeg version ");
        assertThat(ffmpeg.canWriteMp4()).isTrue();
        assertThat(ffmpeg.audioTypes()).contains("audio/mp4");
    }

    /** One line per stream from ffprobe: {@code video <codec> <pix_fmt> <w>x<h>} or {@code audio <codec>}. */
    private static List<String> streams(Path file) throws IOException {
        ToolRun probe = ToolRun.run(
                List.of(
                        "ffprobe",
                        "-v",
                        "error",
                        "-show_entries",
                        "stream=codec_type,codec_name,pix_fmt,width,height",
                        "-of",
                        "csv=p=0",
                        file.toString()),
                Duration.ofSeconds(30));
        assertThat(probe.ok()).as(probe.failure()).isTrue();
        return probe.stdout()
                .lines()
                .map(line -> line.split(","))
                .map(f ->
                        f[1].equals("video") ? "video " + f[0] + " " + f[4] + " " + f[2] + "x" + f[3] : "audio " + f[0])
                .toList();
    }
}
