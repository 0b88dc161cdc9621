package io.omniservice.media.convert;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Thumbnails and carrier-fit copies of images, in bounded memory: a burst of 20-megapixel photos must not take
 * the gateway down. Three things bound it: the header is checked against {@code maxPixels} before any pixel is
 * decoded; every decode is subsampled to about the size the output needs (a 320 px thumbnail of a 4000 px photo
 * decodes about 666 px, not 4000); and a semaphore lets only {@code maxConcurrent} images be in memory at once,
 * the others wait their turn.
 *
 * <p>Reads JPEG (with EXIF orientation), PNG, GIF (first frame), BMP and WebP (TwelveMonkeys); writes JPEG and PNG.
 * Thread-safe.
 */
public final class ImageConverter {
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    public static final int DEFAULT_MAX_CONCURRENT = 2;
    /**
     * {@link #fit} decodes at most this many pixels (8 MP: a 32 MB raster): larger sources are subsampled on
     * read, since no carrier's size limit leaves room for more and a full 50 MP decode would need 200 MB.
     */
    static final long FIT_MAX_PIXELS = 8_000_000L;
    /** {@link #fit} does not shrink an image's longer edge below this: smaller is no longer worth sending. */
    static final int FIT_MIN_EDGE = 160;

    static final float THUMBNAIL_QUALITY = 0.8f;
    private static final float[] FIT_QUALITIES = {0.85f, 0.75f, 0.65f, 0.5f};
    private static final double FIT_SCALE_STEP = 0.75;

    private final long maxPixels;
    private final Semaphore decodes;

    /** With {@link #DEFAULT_MAX_PIXELS} and {@link #DEFAULT_MAX_CONCURRENT}. */
    public ImageConverter() {
        this(DEFAULT_MAX_PIXELS, DEFAULT_MAX_CONCURRENT);
    }

    /**
     * @param maxPixels images whose header claims more pixels than this are refused unread
     * @param maxConcurrent how many images may be decoded and held in memory at once; callers beyond it wait
     */
    public ImageConverter(long maxPixels, int maxConcurrent) {
        if (maxPixels < 1 || maxConcurrent < 1) {
            throw new IllegalArgumentException("maxPixels and maxConcurrent must be at least 1");
        }
        this.maxPixels = maxPixels;
        this.decodes = new Semaphore(maxConcurrent, true);
    }

    /**
     * A JPEG thumbnail {@code width} pixels wide (the image's own width if it is narrower: never upscaled), aspect
     * kept, upright according to EXIF, transparency flattened onto white, written as a new file in {@code outDir}.
     *
     * @throws UnsupportedImageException when the file is no image we read, too many pixels, or undecodable
     * @throws IOException when reading or writing the files fails
     */
    public Converted thumbnail(Path src, int width, Path outDir) throws IOException {
        if (width < 1) {
            throw new IllegalArgumentException("thumbnail width must be at least 1, was " + width);
        }
        try (ImageFile image = ImageFile.open(src, maxPixels)) {
            int shownW = Math.min(width, image.shownWidth());
            int shownH = Math.max(1, (int) Math.round((double) image.shownHeight() * shownW / image.shownWidth()));
            int storedW = image.orientation().swapsAxes() ? shownH : shownW;
            int storedH = image.orientation().swapsAxes() ? shownW : shownH;
            // decode at about twice the target: enough for the halving steps to average away aliasing
            int subsampling = Math.max(1, Math.min(image.width() / (2 * storedW), image.height() / (2 * storedH)));
            try (Permit ignored = permit()) {
                BufferedImage decoded = image.decode(subsampling);
                BufferedImage thumb = image.orientation().apply(Downscale.to(decoded, storedW, storedH, true));
                BoundedImageOutput jpeg = ImageEncoder.encode(
                                thumb, ImageEncoder.JPEG, THUMBNAIL_QUALITY, Long.MAX_VALUE)
                        .orElseThrow();
                Path file = ImageEncoder.write(jpeg, outDir, "thumb-", ImageEncoder.JPEG);
                return new Converted(file, ImageEncoder.JPEG, jpeg.size(), thumb.getWidth(), thumb.getHeight());
            }
        }
    }

    /**
     * Makes {@code src} (of media type {@code srcType}) something a carrier taking {@code acceptedTypes} up to
     * {@code maxBytes} can carry. Untouched if it already is; otherwise re-encoded as JPEG (PNG when the carrier
     * takes PNG but not JPEG), first at falling quality (0.85 to 0.5), then smaller by steps of ×0.75 down to a
     * longer edge of {@value #FIT_MIN_EDGE} px. Sources above {@value #FIT_MAX_PIXELS} pixels are subsampled on
     * read. An animated GIF keeps only its first frame, and the result's note says so.
     *
     * <p>{@code acceptedTypes} may hold {@code image/*}. {@code srcType} is trusted for the "as is" decision (the
     * pipeline detected it from the bytes); the decoder itself reads the format from the bytes.
     *
     * @throws UnsupportedImageException when the file is no image we read, too many pixels, or undecodable
     * @throws IOException when reading or writing the files fails
     */
    public ImageFit fit(Path src, String srcType, List<String> acceptedTypes, long maxBytes, Path outDir)
            throws IOException {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1, was " + maxBytes);
        }
        long size = Files.size(src);
        if (accepts(acceptedTypes, srcType) && size <= maxBytes) {
            return new ImageFit.Unchanged();
        }
        Optional<String> target = accepts(acceptedTypes, ImageEncoder.JPEG)
                ? Optional.of(ImageEncoder.JPEG)
                : accepts(acceptedTypes, ImageEncoder.PNG) ? Optional.of(ImageEncoder.PNG) : Optional.empty();
        if (target.isEmpty()) {
            String tooBig = accepts(acceptedTypes, srcType)
                    ? " is " + size + " bytes, over the carrier's limit of " + maxBytes + ", and"
                    : "";
            return new ImageFit.Impossible("the carrier takes only " + String.join(", ", acceptedTypes) + "; this "
                    + srcType + tooBig + " can be converted only to image/jpeg or image/png");
        }
        try (ImageFile image = ImageFile.open(src, maxPixels)) {
            int frames = image.frames();
            String animated =
                    frames > 1 ? "; animated GIF of " + frames + " frames: only the first frame was kept" : "";
            try (Permit ignored = permit()) {
                return shrink(image, target.get(), maxBytes, outDir, animated);
            }
        }
    }

    private ImageFit shrink(ImageFile image, String type, long maxBytes, Path outDir, String animated)
            throws IOException {
        boolean jpeg = type.equals(ImageEncoder.JPEG);
        BufferedImage base = upright(image, jpeg);
        boolean opaque = !base.getColorModel().hasAlpha();
        int w = base.getWidth();
        int h = base.getHeight();
        boolean firstSize = true;
        while (true) {
            BufferedImage candidate = w == base.getWidth() ? base : Downscale.to(base, w, h, opaque);
            float[] qualities = !jpeg
                    ? new float[] {1f}
                    : firstSize ? FIT_QUALITIES : new float[] {FIT_QUALITIES[FIT_QUALITIES.length - 1]};
            for (float quality : qualities) {
                Optional<BoundedImageOutput> encoded = ImageEncoder.encode(candidate, type, quality, maxBytes);
                if (encoded.isPresent()) {
                    Path file = ImageEncoder.write(encoded.get(), outDir, "fit-", type);
                    String note = String.format(
                            Locale.ROOT,
                            "converted %s %d×%d to %s %d×%d%s%s",
                            image.format(),
                            image.shownWidth(),
                            image.shownHeight(),
                            type,
                            w,
                            h,
                            jpeg ? String.format(Locale.ROOT, " at quality %.2f", quality) : "",
                            animated);
                    return new ImageFit.Rewritten(
                            new Converted(file, type, encoded.get().size(), w, h), note);
                }
            }
            int longer = Math.max(w, h);
            if (longer <= FIT_MIN_EDGE) {
                return new ImageFit.Impossible(String.format(
                        Locale.ROOT,
                        "even at %d×%d px%s the image is over the carrier's limit of %d bytes%s",
                        w,
                        h,
                        jpeg ? " and JPEG quality 0.5" : " as PNG",
                        maxBytes,
                        animated));
            }
            double factor = Math.max(FIT_SCALE_STEP, (double) FIT_MIN_EDGE / longer);
            w = Math.max(1, (int) Math.round(w * factor));
            h = Math.max(1, (int) Math.round(h * factor));
            firstSize = false;
        }
    }

    /**
     * The source decoded within {@link #FIT_MAX_PIXELS}, as INT RGB (flattened, for JPEG or an opaque source) or
     * ARGB, turned upright. A method of its own so that the decoder's raster is garbage before the encodes start.
     */
    private static BufferedImage upright(ImageFile image, boolean flatten) throws IOException {
        BufferedImage decoded = image.decode(image.subsamplingFor(FIT_MAX_PIXELS));
        boolean opaque = flatten || !decoded.getColorModel().hasAlpha();
        return image.orientation().apply(Downscale.to(decoded, decoded.getWidth(), decoded.getHeight(), opaque));
    }

    /** Exact, case-insensitive match, or a wildcard such as {@code image/*}. */
    static boolean accepts(List<String> acceptedTypes, String type) {
        if (type == null) {
            return false;
        }
        String wanted = type.toLowerCase(Locale.ROOT).trim();
        for (String accepted : acceptedTypes) {
            String a = accepted.toLowerCase(Locale.ROOT).trim();
            if (a.equals(wanted)
                    || a.equals("*/*")
                    || (a.endsWith("/*") && wanted.startsWith(a.substring(0, a.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    private Permit permit() throws InterruptedIOException {
        try {
            decodes.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for an image decode slot");
        }
        return decodes::release;
    }

    /** A held decode slot, released by try-with-resources. */
    private interface Permit extends AutoCloseable {
        @Override
        void close();
    }
}
