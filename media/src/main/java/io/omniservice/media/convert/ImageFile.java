package io.omniservice.media.convert;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * One image file opened for reading: its format and size come from the header alone, so a file claiming more
 * pixels than allowed is refused before a single pixel buffer exists; the decode itself is always subsampled to
 * the size the caller needs.
 */
final class ImageFile implements AutoCloseable {
    private final Path path;
    private final ImageInputStream stream;
    private final ImageReader reader;
    private final int width;
    private final int height;
    private final ExifOrientation orientation;

    private ImageFile(Path path, ImageInputStream stream, ImageReader reader, int width, int height) {
        this.path = path;
        this.stream = stream;
        this.reader = reader;
        this.width = width;
        this.height = height;
        this.orientation = isJpeg() ? ExifOrientation.of(path) : ExifOrientation.NORMAL;
    }

    /** Reads the header of {@code path}; refuses it when it is no image we read or has more than {@code maxPixels}. */
    static ImageFile open(Path path, long maxPixels) throws IOException {
        long bytes = Files.size(path); // a missing file fails here, as NoSuchFileException, not as "not an image"
        ImageInputStream stream = ImageIO.createImageInputStream(path.toFile());
        if (stream == null) {
            throw new IOException("cannot open " + path + " for reading");
        }
        ImageReader reader = null;
        try {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) {
                throw new UnsupportedImageException(name(path) + " (" + bytes
                        + " bytes) is not an image format this gateway reads (JPEG, PNG, GIF, BMP, WebP)");
            }
            reader = readers.next();
            reader.setInput(stream, false, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                throw new UnsupportedImageException(name(path) + " claims an empty size " + width + "×" + height);
            }
            if ((long) width * height > maxPixels) {
                throw new UnsupportedImageException(String.format(
                        Locale.ROOT,
                        "%s claims %d×%d pixels (%.1f megapixels), over the limit of %.1f megapixels:"
                                + " refused without decoding, as a decompression bomb would be",
                        name(path),
                        width,
                        height,
                        width * (double) height / 1e6,
                        maxPixels / 1e6));
            }
            return new ImageFile(path, stream, reader, width, height);
        } catch (IIOException | RuntimeException e) {
            dispose(reader, stream);
            throw new UnsupportedImageException(
                    "cannot read the header of " + name(path) + " as " + format(reader) + ": " + e.getMessage(), e);
        } catch (IOException e) {
            dispose(reader, stream);
            throw e;
        }
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    ExifOrientation orientation() {
        return orientation;
    }

    /** The size as a viewer shows it, after the EXIF orientation. */
    int shownWidth() {
        return orientation.swapsAxes() ? height : width;
    }

    int shownHeight() {
        return orientation.swapsAxes() ? width : height;
    }

    String format() {
        return format(reader);
    }

    boolean isJpeg() {
        return format().equals("jpeg") || format().equals("jpg");
    }

    /** How many frames the file holds; only GIFs are counted, the others are taken as single images. */
    int frames() throws IOException {
        if (!format().equals("gif")) {
            return 1;
        }
        try {
            return reader.getNumImages(true);
        } catch (IIOException | RuntimeException e) {
            return 1; // a damaged later frame does not matter: only the first one is ever decoded
        }
    }

    /**
     * Decodes the first frame, keeping every {@code subsampling}-th pixel of every {@code subsampling}-th row:
     * the decoders allocate only the subsampled raster, which is what bounds memory for large photos.
     */
    BufferedImage decode(int subsampling) throws IOException {
        ImageReadParam param = reader.getDefaultReadParam();
        if (subsampling > 1) {
            param.setSourceSubsampling(subsampling, subsampling, 0, 0);
        }
        try {
            return reader.read(0, param);
        } catch (IIOException | RuntimeException e) {
            throw new UnsupportedImageException(
                    "cannot decode " + name(path) + " as " + format() + ": " + e.getMessage(), e);
        }
    }

    /** The smallest subsampling that brings this image to at most {@code pixels} pixels. */
    int subsamplingFor(long pixels) {
        int s = 1;
        while ((long) ceilDiv(width, s) * ceilDiv(height, s) > pixels) {
            s++;
        }
        return s;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    @Override
    public void close() {
        dispose(reader, stream);
    }

    private static void dispose(ImageReader reader, ImageInputStream stream) {
        if (reader != null) {
            reader.dispose();
        }
        try {
            stream.close();
        } catch (IOException ignored) {
            // read-only file stream: nothing was written that closing could lose
        }
    }

    private static String format(ImageReader reader) {
        if (reader == null) {
            return "an image";
        }
        try {
            return reader.getFormatName().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return "an image";
        }
    }

    private static String name(Path path) {
        return String.valueOf(path.getFileName());
    }
}
