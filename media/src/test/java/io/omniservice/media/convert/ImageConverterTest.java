package io.omniservice.media.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageConverterTest {
    private final ImageConverter converter = new ImageConverter();

    @TempDir
    Path dir;

    @Test
    void thumbnailOfALargeJpegIsTheRequestedWidthWithItsAspectKept() throws IOException {
        Path src = TestImages.write(TestImages.noisy(1600, 1200, 20, 1), "jpeg", dir.resolve("photo.jpg"));

        Converted thumb = converter.thumbnail(src, 320, dir.resolve("out"));

        assertThat(thumb.contentType()).isEqualTo("image/jpeg");
        assertThat(thumb.size()).isEqualTo(Files.size(thumb.file()));
        assertThat(thumb.file().getParent()).isEqualTo(dir.resolve("out"));
        BufferedImage written = ImageIO.read(thumb.file().toFile());
        assertThat(written.getWidth()).isEqualTo(320).isEqualTo(thumb.width());
        assertThat(written.getHeight()).isEqualTo(240).isEqualTo(thumb.height());
    }

    @Test
    void thumbnailNeverUpscalesASmallImage() throws IOException {
        Path src = TestImages.write(TestImages.filled(200, 100, Color.BLUE), "png", dir.resolve("small.png"));

        Converted thumb = converter.thumbnail(src, 320, dir);

        assertThat(ImageIO.read(thumb.file().toFile())).satisfies(i -> {
            assertThat(i.getWidth()).isEqualTo(200);
            assertThat(i.getHeight()).isEqualTo(100);
        });
    }

    @Test
    void transparencyIsFlattenedOntoWhite() throws IOException {
        Path src = TestImages.write(TestImages.redSquareOnTransparent(400), "png", dir.resolve("alpha.png"));

        Converted thumb = converter.thumbnail(src, 100, dir);

        BufferedImage written = ImageIO.read(thumb.file().toFile());
        assertThat(new Color(written.getRGB(2, 2))).satisfies(c -> assertThat(c.getRed() + c.getGreen() + c.getBlue())
                .isGreaterThan(3 * 245));
        assertThat(new Color(written.getRGB(50, 50))).satisfies(c -> {
            assertThat(c.getRed()).isGreaterThan(230);
            assertThat(c.getGreen()).isLessThan(30);
        });
    }

    @Test
    void gifBmpAndWebpAreReadToo() throws IOException {
        Path gif = TestImages.write(TestImages.filled(300, 200, Color.GREEN), "gif", dir.resolve("a.gif"));
        Path bmp = TestImages.write(TestImages.filled(300, 150, Color.GREEN), "bmp", dir.resolve("a.bmp"));
        Path webp = Path.of("src/test/resources/samples/convert-small.webp");

        assertThat(converter.thumbnail(gif, 150, dir))
                .extracting(Converted::width, Converted::height)
                .containsExactly(150, 100);
        assertThat(converter.thumbnail(bmp, 150, dir))
                .extracting(Converted::width, Converted::height)
                .containsExactly(150, 75);
        assertThat(converter.thumbnail(webp, 320, dir))
                .extracting(Converted::width, Converted::height)
                .containsExactly(64, 48);
    }

    @Test
    void exifOrientationTurnsAPhoneShotUpright() throws IOException {
        // stored landscape, left half red, right half blue; orientation 6 = turn 90° clockwise to view
        BufferedImage stored = TestImages.filled(400, 200, Color.BLUE);
        stored.createGraphics().setColor(Color.RED);
        var g = stored.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 200, 200);
        g.dispose();
        Path src = TestImages.jpegWithOrientation(stored, 6, dir.resolve("phone.jpg"));

        Converted thumb = converter.thumbnail(src, 100, dir);

        assertThat(thumb).extracting(Converted::width, Converted::height).containsExactly(100, 200);
        BufferedImage written = ImageIO.read(thumb.file().toFile());
        assertThat(new Color(written.getRGB(50, 20)).getRed())
                .as("top is the stored left: red")
                .isGreaterThan(200);
        assertThat(new Color(written.getRGB(50, 180)).getBlue())
                .as("bottom is the stored right: blue")
                .isGreaterThan(200);
    }

    @Test
    void imageAlreadyAcceptedAndSmallEnoughIsLeftUnchanged() throws IOException {
        Path src = TestImages.write(TestImages.filled(100, 100, Color.RED), "png", dir.resolve("ok.png"));

        assertThat(converter.fit(src, "image/png", List.of("image/jpeg", "image/png"), 100_000, dir))
                .isInstanceOf(ImageFit.Unchanged.class);
        assertThat(converter.fit(src, "image/png", List.of("image/*"), 100_000, dir))
                .isInstanceOf(ImageFit.Unchanged.class);
    }

    @Test
    void largeNoisyPngFitsUnder300KilobytesAsJpeg() throws IOException {
        Path src = TestImages.fastPng(TestImages.noisy(6000, 4000, 30, 2), dir.resolve("huge.png"));

        ImageFit fit = converter.fit(src, "image/png", List.of("image/jpeg"), 300_000, dir.resolve("out"));

        assertThat(fit).isInstanceOf(ImageFit.Rewritten.class);
        ImageFit.Rewritten rewritten = (ImageFit.Rewritten) fit;
        Converted result = rewritten.result();
        assertThat(result.contentType()).isEqualTo("image/jpeg");
        assertThat(result.size()).isLessThanOrEqualTo(300_000).isEqualTo(Files.size(result.file()));
        BufferedImage written = ImageIO.read(result.file().toFile());
        assertThat(written.getWidth()).isEqualTo(result.width()).isGreaterThanOrEqualTo(ImageConverter.FIT_MIN_EDGE);
        assertThat(written.getHeight()).isEqualTo(result.height());
        assertThat((double) written.getWidth() / written.getHeight())
                .isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.01));
        assertThat(rewritten.note()).contains("png 6000×4000", "image/jpeg");
    }

    @Test
    void onlyPngAcceptedGivesPngKeepingAlpha() throws IOException {
        Path src = TestImages.write(TestImages.redSquareOnTransparent(300), "png", dir.resolve("alpha.png"));
        Path bmp = TestImages.write(TestImages.filled(300, 200, Color.GREEN), "bmp", dir.resolve("a.bmp"));

        ImageFit fromBmp = converter.fit(bmp, "image/bmp", List.of("image/png"), 1_000_000, dir);
        ImageFit fromPng = converter.fit(src, "image/png", List.of("image/png"), 1_000, dir);

        assertThat(fromBmp).isInstanceOfSatisfying(ImageFit.Rewritten.class, r -> assertThat(r.result())
                .extracting(Converted::contentType, Converted::width, Converted::height)
                .containsExactly("image/png", 300, 200));
        assertThat(fromPng).isInstanceOfSatisfying(ImageFit.Rewritten.class, r -> {
            assertThat(r.result().size()).isLessThanOrEqualTo(1_000);
            assertThat(r.result().file().toString()).endsWith(".png");
            BufferedImage written = readUnchecked(r.result().file());
            assertThat(written.getColorModel().hasAlpha()).isTrue();
            assertThat(written.getRGB(0, 0) >>> 24)
                    .as("corner stays transparent")
                    .isZero();
        });
    }

    @Test
    void animatedGifKeepsItsFirstFrameAndSaysSo() throws IOException {
        Path src = TestImages.animatedGif(dir.resolve("anim.gif"), 120, 80, Color.RED, Color.BLUE, Color.GREEN);

        ImageFit fit = converter.fit(src, "image/gif", List.of("image/jpeg"), 1_000_000, dir);

        assertThat(fit).isInstanceOfSatisfying(ImageFit.Rewritten.class, r -> {
            assertThat(r.note()).contains("animated GIF of 3 frames: only the first frame was kept");
            assertThat(new Color(readUnchecked(r.result().file()).getRGB(60, 40)).getRed())
                    .isGreaterThan(200);
        });
    }

    @Test
    void tooSmallALimitIsImpossibleWithTheReason() throws IOException {
        Path src = TestImages.write(TestImages.noisy(800, 600, 60, 3), "png", dir.resolve("noise.png"));

        ImageFit fit = converter.fit(src, "image/png", List.of("image/jpeg"), 700, dir.resolve("out"));

        assertThat(fit).isInstanceOfSatisfying(ImageFit.Impossible.class, i -> assertThat(i.reason())
                .isEqualTo(
                        "even at 160×120 px and JPEG quality 0.5 the image is over the carrier's limit of 700 bytes"));
        assertThat(dir.resolve("out"))
                .satisfies(out -> assertThat(!Files.exists(out) || isEmpty(out)).isTrue());
    }

    @Test
    void carrierTakingNoTypeWeWriteIsImpossible() throws IOException {
        Path src = TestImages.write(TestImages.filled(100, 100, Color.RED), "bmp", dir.resolve("a.bmp"));

        ImageFit fit = converter.fit(src, "image/bmp", List.of("image/gif"), 1_000_000, dir);

        assertThat(fit)
                .isEqualTo(
                        new ImageFit.Impossible(
                                "the carrier takes only image/gif; this image/bmp can be converted only to image/jpeg or image/png"));
    }

    @Test
    void pixelBombIsRefusedFromItsHeader() throws IOException {
        Path bomb = TestImages.pngClaiming(100_000, 100_000, dir.resolve("bomb.png"));
        assertThat(Files.size(bomb)).isLessThan(100);

        assertThatThrownBy(() -> converter.thumbnail(bomb, 320, dir))
                .isInstanceOf(UnsupportedImageException.class)
                .hasMessage("bomb.png claims 100000×100000 pixels (10000.0 megapixels), over the limit of 50.0"
                        + " megapixels: refused without decoding, as a decompression bomb would be");
        assertThatThrownBy(() -> converter.fit(bomb, "image/png", List.of("image/jpeg"), 1000, dir))
                .isInstanceOf(UnsupportedImageException.class)
                .hasMessageContaining("decompression bomb");
    }

    @Test
    void bytesThatAreNoImageAreRefusedClearly() throws IOException {
        byte[] noise = new byte[2048];
        new Random(4).nextBytes(noise);
        Path src = Files.write(dir.resolve("noise.jpg"), noise);

        assertThatThrownBy(() -> converter.thumbnail(src, 320, dir))
                .isInstanceOf(UnsupportedImageException.class)
                .hasMessage(
                        "noise.jpg (2048 bytes) is not an image format this gateway reads (JPEG, PNG, GIF, BMP, WebP)");
    }

    @Test
    void damagedImageDataIsRefusedNamingTheFile() throws IOException {
        byte[] png =
                Files.readAllBytes(TestImages.write(TestImages.noisy(200, 200, 40, 5), "png", dir.resolve("good.png")));
        for (int i = 100; i < png.length - 20; i++) {
            png[i] = (byte) (i * 31); // the header survives, the compressed pixels do not
        }
        Path broken = Files.write(dir.resolve("broken.png"), png);

        assertThatThrownBy(() -> converter.thumbnail(broken, 100, dir))
                .isInstanceOf(UnsupportedImageException.class)
                .hasMessageStartingWith("cannot decode broken.png as png: ");
    }

    @Test
    void missingFileIsAnIoErrorNotAnImageError() {
        assertThatThrownBy(() -> converter.thumbnail(dir.resolve("absent.png"), 100, dir))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void wildcardsAndCaseMatchAcceptedTypes() {
        assertThat(ImageConverter.accepts(List.of("IMAGE/JPEG"), "image/jpeg")).isTrue();
        assertThat(ImageConverter.accepts(List.of("image/*"), "image/webp")).isTrue();
        assertThat(ImageConverter.accepts(List.of("image/*"), "video/mp4")).isFalse();
        assertThat(ImageConverter.accepts(List.of("image/png"), "image/jpeg")).isFalse();
    }

    private static boolean isEmpty(Path directory) {
        try (var files = Files.list(directory)) {
            return files.findAny().isEmpty();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static BufferedImage readUnchecked(Path file) {
        try {
            return ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
