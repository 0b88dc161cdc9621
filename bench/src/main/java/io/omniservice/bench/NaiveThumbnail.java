package io.omniservice.bench;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * The thumbnail as it is usually first written — {@code ImageIO.read} the whole photo, draw it small — kept only
 * as the media benchmark's baseline ({@code --mode naive}), to show what the bounded converter saves.
 */
final class NaiveThumbnail {
    private NaiveThumbnail() {}

    static void make(Path src, int width, Path outDir) throws IOException {
        BufferedImage full = ImageIO.read(src.toFile());
        int height = Math.max(1, full.getHeight() * width / full.getWidth());
        BufferedImage small = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(full, 0, 0, width, height, null);
        g.dispose();
        ImageIO.write(
                small, "jpeg", Files.createTempFile(outDir, "naive-", ".jpg").toFile());
    }
}
