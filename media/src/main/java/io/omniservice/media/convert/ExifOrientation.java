package io.omniservice.media.convert;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * A JPEG's EXIF orientation (1–8): phones store the sensor's rows and record the rotation, and since our output
 * carries no EXIF, the pixels must be turned before writing or the photo arrives on its side.
 */
record ExifOrientation(int value) {
    static final ExifOrientation NORMAL = new ExifOrientation(1);

    /** The orientation recorded in the JPEG's APP1 Exif segment; reads the segments before the image data only. */
    static ExifOrientation of(Path jpeg) {
        try (ImageInputStream in = ImageIO.createImageInputStream(jpeg.toFile())) {
            for (JPEGSegment segment : JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif")) {
                try (InputStream data = segment.data()) {
                    data.read(); // the pad byte after "Exif\0"
                    // in memory: ImageIO.createImageInputStream(InputStream) would spill to a temp file
                    Directory exif = new TIFFReader().read(new MemoryCacheImageInputStream(data));
                    Entry entry = exif.getEntryById(TIFF.TAG_ORIENTATION);
                    if (entry != null
                            && entry.getValue() instanceof Number n
                            && n.intValue() >= 1
                            && n.intValue() <= 8) {
                        return new ExifOrientation(n.intValue());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // broken EXIF is common and harmless: the image is shown as stored
        }
        return NORMAL;
    }

    /** Orientations 5–8 turn the image a quarter, so width and height trade places. */
    boolean swapsAxes() {
        return value >= 5;
    }

    /**
     * The image turned upright. {@code image} must be {@code TYPE_INT_RGB} or {@code TYPE_INT_ARGB} (what
     * {@link Downscale} produces); the pixels are moved in place of a second array of the same size.
     */
    BufferedImage apply(BufferedImage image) {
        if (value == 1) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage out =
                swapsAxes() ? new BufferedImage(h, w, image.getType()) : new BufferedImage(w, h, image.getType());
        int[] src = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        int outW = out.getWidth();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int tx;
                int ty;
                switch (value) {
                    case 2 -> {
                        tx = w - 1 - x;
                        ty = y;
                    }
                    case 3 -> {
                        tx = w - 1 - x;
                        ty = h - 1 - y;
                    }
                    case 4 -> {
                        tx = x;
                        ty = h - 1 - y;
                    }
                    case 5 -> {
                        tx = y;
                        ty = x;
                    }
                    case 6 -> {
                        tx = h - 1 - y;
                        ty = x;
                    }
                    case 7 -> {
                        tx = h - 1 - y;
                        ty = w - 1 - x;
                    }
                    default -> {
                        tx = y;
                        ty = w - 1 - x;
                    } // 8
                }
                dst[ty * outW + tx] = src[y * w + x];
            }
        }
        return out;
    }
}
