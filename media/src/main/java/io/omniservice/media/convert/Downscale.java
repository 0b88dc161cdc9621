package io.omniservice.media.convert;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Good-quality downscaling with Java2D alone: one bilinear step can only blend neighbouring pixels, so a large
 * reduction skips most of the source and shimmers; halving repeatedly, then a bicubic last step, averages them all.
 */
final class Downscale {
    private Downscale() {}

    /**
     * {@code source} at {@code width × height} (never larger than it is), as {@code TYPE_INT_RGB} with transparency
     * flattened onto white when {@code opaque} (for JPEG), else as {@code TYPE_INT_ARGB}.
     */
    static BufferedImage to(BufferedImage source, int width, int height, boolean opaque) {
        int type = opaque ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_INT_ARGB;
        int targetW = Math.min(width, source.getWidth());
        int targetH = Math.min(height, source.getHeight());
        BufferedImage current = source;
        int w = source.getWidth();
        int h = source.getHeight();
        do {
            w = w / 2 >= targetW ? w / 2 : targetW;
            h = h / 2 >= targetH ? h / 2 : targetH;
            boolean last = w == targetW && h == targetH;
            BufferedImage next = new BufferedImage(w, h, type);
            Graphics2D g = next.createGraphics();
            try {
                if (opaque) {
                    g.setColor(Color.WHITE);
                    g.fillRect(0, 0, w, h);
                }
                g.setRenderingHint(
                        RenderingHints.KEY_INTERPOLATION,
                        last
                                ? RenderingHints.VALUE_INTERPOLATION_BICUBIC
                                : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
                g.drawImage(current, 0, 0, w, h, null);
            } finally {
                g.dispose();
            }
            current = next;
        } while (w != targetW || h != targetH);
        return current;
    }
}
