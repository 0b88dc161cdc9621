package io.omniservice.media.convert;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.plugins.jpeg.JPEGImageWriteParam;

/** Encodes images as JPEG or PNG into memory with a byte limit, then writes the winner to a new file. */
final class ImageEncoder {
    static final String JPEG = "image/jpeg";
    static final String PNG = "image/png";

    private ImageEncoder() {}

    /**
     * {@code image} encoded as {@code type} ({@code quality} 0–1 applies to JPEG only), or empty when the result
     * would pass {@code limit} bytes — the encoder stops there.
     */
    static Optional<BoundedImageOutput> encode(BufferedImage image, String type, float quality, long limit)
            throws IOException {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByMIMEType(type);
        if (!writers.hasNext()) {
            throw new IOException("this JVM has no ImageIO writer for " + type);
        }
        ImageWriter writer = writers.next();
        BoundedImageOutput out = new BoundedImageOutput(limit);
        try {
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (type.equals(JPEG)) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality);
                if (param instanceof JPEGImageWriteParam jpeg) {
                    jpeg.setOptimizeHuffmanTables(true); // a few percent smaller for no visible change
                }
            }
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
            out.flush();
            return Optional.of(out);
        } catch (IOException e) {
            if (out.overflowed()) {
                return Optional.empty();
            }
            throw e;
        } finally {
            writer.dispose();
        }
    }

    /** Writes {@code encoded} to a new file in {@code outDir}; the file is removed again if writing fails. */
    static Path write(BoundedImageOutput encoded, Path outDir, String prefix, String type) throws IOException {
        Files.createDirectories(outDir);
        Path file = Files.createTempFile(outDir, prefix, type.equals(PNG) ? ".png" : ".jpg");
        try (OutputStream out = Files.newOutputStream(file)) {
            encoded.writeTo(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return file;
    }
}
