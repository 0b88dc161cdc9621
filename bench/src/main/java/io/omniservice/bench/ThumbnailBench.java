package io.omniservice.bench;

import com.sun.net.httpserver.HttpServer;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.net.AddressGuard;
import io.omniservice.media.GatewayMedia;
import io.omniservice.media.check.MalwareScanner;
import io.omniservice.media.check.MediaKind;
import io.omniservice.media.check.MediaPolicy;
import io.omniservice.media.convert.ImageConverter;
import io.omniservice.media.convert.ImageFit;
import io.omniservice.media.fetch.FetchLimits;
import io.omniservice.media.fetch.SafeFetcher;
import io.omniservice.media.sign.MediaSigner;
import io.omniservice.media.store.FileBlobStore;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The media benchmark: a burst of large photos thumbnailed at once from several threads, as when a group chat
 * forwards a camera roll, in a deliberately small heap. It shows throughput and that memory stays bounded by the
 * converter's decode limit, not by the number of photos in flight; then one {@code fit} of a 6000×4000 photo
 * down to a carrier's 5 MB.
 */
public final class ThumbnailBench {
    private static final int CAMPAIGN_SENDS = 200;
    private static final String USAGE = "bench/media.sh [--images N] [--threads N] [--width N] [--max-concurrent N]"
            + " [--image-width N] [--image-height N] [--fit-bytes N] [--mode converter|naive]";

    public static void main(String[] args) throws Exception {
        Flags flags = new Flags(
                args,
                USAGE,
                "images",
                "threads",
                "width",
                "max-concurrent",
                "image-width",
                "image-height",
                "fit-bytes",
                "mode");
        int images = flags.number("images", 40, 1);
        int threads = flags.number("threads", 4, 1);
        int width = flags.number("width", 320, 1);
        int maxConcurrent = flags.number("max-concurrent", ImageConverter.DEFAULT_MAX_CONCURRENT, 1);
        int imageWidth = flags.number("image-width", 4000, 16);
        int imageHeight = flags.number("image-height", 3000, 16);
        int fitBytes = flags.number("fit-bytes", 5_000_000, 1000);
        String mode = flags.text("mode", "converter");
        if (!mode.equals("converter") && !mode.equals("naive")) {
            throw flags.fail("--mode is converter or naive, not " + mode);
        }

        Path work = Files.createTempDirectory("omni-media-bench");
        try {
            run(work, images, threads, width, maxConcurrent, imageWidth, imageHeight, fitBytes, mode.equals("naive"));
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void run(
            Path work,
            int images,
            int threads,
            int width,
            int maxConcurrent,
            int imageWidth,
            int imageHeight,
            int fitBytes,
            boolean naive)
            throws Exception {
        System.out.printf(
                Locale.ROOT,
                "JVM: %s, heap max %d MB (%s), %d CPUs, load average %.2f%n",
                Runtime.version(),
                Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                        .filter(a -> a.startsWith("-Xmx") || a.startsWith("-XX:+Use"))
                        .toList(),
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        long started = System.nanoTime();
        List<Path> photos = photos(work.resolve("in"), images, imageWidth, imageHeight);
        long inputBytes = 0;
        for (Path p : photos) {
            inputBytes += Files.size(p);
        }
        System.out.printf(
                Locale.ROOT,
                "inputs: %d JPEGs of %d×%d (%.1f MP, %.1f MB each on disk) made in %.1f s%n",
                images,
                imageWidth,
                imageHeight,
                imageWidth * (double) imageHeight / 1e6,
                inputBytes / (double) images / 1e6,
                (System.nanoTime() - started) / 1e9);
        System.out.printf(
                Locale.ROOT,
                "a full decode would hold %d MB per photo (INT RGB), %d MB for %d threads at once, %d MB for all %d%n",
                4L * imageWidth * imageHeight >> 20,
                4L * imageWidth * imageHeight * threads >> 20,
                threads,
                4L * imageWidth * imageHeight * images >> 20,
                images);

        ImageConverter converter = new ImageConverter(ImageConverter.DEFAULT_MAX_PIXELS, maxConcurrent);
        Path out = Files.createDirectories(work.resolve("out"));
        Thumbnailer thumbnailer =
                naive ? src -> NaiveThumbnail.make(src, width, out) : src -> converter.thumbnail(src, width, out);
        thumbnailer.make(photos.getFirst()); // warm-up: class loading and the JIT's first pass

        HeapWatch heap = HeapWatch.start();
        long[] nanos = new long[images];
        long burstStart = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Void>> done = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                int index = i;
                done.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    thumbnailer.make(photos.get(index));
                    nanos[index] = System.nanoTime() - t0;
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        }
        double burstSeconds = (System.nanoTime() - burstStart) / 1e9;
        HeapWatch.Peak burstPeak = heap.stop();
        Arrays.sort(nanos);
        System.out.printf(
                Locale.ROOT,
                "thumbnails (%s): %d of %d px from %d threads, %s: %.1f s, %.1f thumbnails/s;"
                        + " per thumbnail p50 %.0f ms, p99 %.0f ms, max %.0f ms (from the task's start: the converter's include waiting for a decode slot)%n",
                naive ? "naive full decode" : "ImageConverter",
                images,
                width,
                threads,
                naive ? "no decode limit" : maxConcurrent + " decodes at once",
                burstSeconds,
                images / burstSeconds,
                Percentile.millis(nanos, 0.50),
                Percentile.millis(nanos, 0.99),
                nanos[nanos.length - 1] / 1e6);
        System.out.println("thumbnail burst heap: " + burstPeak);
        if (naive) {
            return;
        }

        Path big = work.resolve("in/fit-source.jpg");
        writeJpeg(photo(6000, 4000, 99), 0.97f, big);
        HeapWatch fitHeap = HeapWatch.start();
        long fitStart = System.nanoTime();
        ImageFit fit = converter.fit(big, "image/jpeg", List.of("image/jpeg", "image/png"), fitBytes, out);
        double fitSeconds = (System.nanoTime() - fitStart) / 1e9;
        HeapWatch.Peak fitPeak = fitHeap.stop();
        String outcome =
                switch (fit) {
                    case ImageFit.Unchanged u -> "unchanged";
                    case ImageFit.Rewritten r ->
                        String.format(Locale.ROOT, "%.2f MB: %s", r.result().size() / 1e6, r.note());
                    case ImageFit.Impossible i -> "impossible: " + i.reason();
                };
        System.out.printf(
                Locale.ROOT,
                "fit: 6000×4000 JPEG of %.1f MB into %.1f MB for image/jpeg in %.2f s → %s%n",
                Files.size(big) / 1e6,
                fitBytes / 1e6,
                fitSeconds,
                outcome);
        System.out.println("fit heap: " + fitPeak);
        campaign(work, big, fitBytes);
        System.out.printf(
                Locale.ROOT,
                "load average after: %.2f%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /**
     * One photo sent to {@value #CAMPAIGN_SENDS} customers of a carrier that takes it only smaller, from 4 threads,
     * through the gateway's media pipeline: the first send converts it, the others wait for that copy or reuse
     * it.
     */
    private static void campaign(Path work, Path photo, int fitBytes) throws Exception {
        HttpServer origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin.createContext("/photo.jpg", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "image/jpeg");
            exchange.sendResponseHeaders(200, Files.size(photo));
            try (var body = exchange.getResponseBody()) {
                Files.copy(photo, body);
            }
        });
        origin.start();
        Path workDir = work.resolve("pipeline");
        try (FileBlobStore blobs = new FileBlobStore(work.resolve("blobs"))) {
            // the 12.7 MB photo is over the default 10 MiB for images
            MediaPolicy policy = new MediaPolicy(Map.of(MediaKind.IMAGE, 32L << 20));
            GatewayMedia media = new GatewayMedia(
                    blobs,
                    new SafeFetcher(
                            new AddressGuard("media.fetch.allowedNetworks", List.of("127.0.0.1/32")),
                            FetchLimits.defaults().withMaxBytes(policy.maxBytes()),
                            workDir),
                    policy,
                    MalwareScanner.NONE,
                    new ImageConverter(),
                    Optional.empty(),
                    new MediaSigner(
                            "bench-signing-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                            URI.create("https://gateway.example"),
                            Clock.systemUTC()),
                    new GatewayMedia.Settings(320, Duration.ofHours(1), Duration.ofHours(1), workDir));
            MediaItem stored = media.ingest(
                    MediaItem.url("http://127.0.0.1:" + origin.getAddress().getPort() + "/photo.jpg", null));
            CarrierCapabilities mms =
                    new CarrierCapabilities(true, true, false, false, false, fitBytes, List.of("image/jpeg"), 1600);
            long[] nanos = new long[CAMPAIGN_SENDS];
            long start = System.nanoTime();
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                List<Future<Void>> done = new ArrayList<>();
                for (int i = 0; i < CAMPAIGN_SENDS; i++) {
                    int index = i;
                    done.add(pool.submit(() -> {
                        long t0 = System.nanoTime();
                        media.prepare(stored, mms, MediaAccess.PUBLIC);
                        nanos[index] = System.nanoTime() - t0;
                        return null;
                    }));
                }
                for (Future<Void> f : done) {
                    f.get();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(nanos);
            System.out.printf(
                    Locale.ROOT,
                    "campaign: one %.1f MB photo to %d customers of a carrier taking %.1f MB, 4 threads: %.2f s in all;"
                            + " per send p50 %.2f ms, p99 %.0f ms, max %.0f ms (the one that converted)%n",
                    stored.size() / 1e6,
                    CAMPAIGN_SENDS,
                    fitBytes / 1e6,
                    seconds,
                    Percentile.millis(nanos, 0.50),
                    Percentile.millis(nanos, 0.99),
                    nanos[nanos.length - 1] / 1e6);
        } finally {
            origin.stop(0);
        }
    }

    /** One way of making a thumbnail, so the burst can run the converter or the naive decode. */
    private interface Thumbnailer {
        void make(Path src) throws IOException;
    }

    /** {@code count} JPEG photos; four distinct ones are made and copied, since decoding costs the same for each. */
    private static List<Path> photos(Path dir, int count, int width, int height) throws IOException {
        Files.createDirectories(dir);
        List<Path> made = new ArrayList<>();
        for (int i = 0; i < Math.min(4, count); i++) {
            made.add(writeJpeg(photo(width, height, i), 0.9f, dir.resolve("photo-" + i + ".jpg")));
        }
        List<Path> photos = new ArrayList<>(made);
        for (int i = made.size(); i < count; i++) {
            photos.add(Files.copy(made.get(i % made.size()), dir.resolve("photo-" + i + ".jpg")));
        }
        return photos;
    }

    /** Gradients and shapes with per-pixel noise: compresses like a phone photo, not like a flat test card. */
    private static BufferedImage photo(int width, int height, int seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] px = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        int state = 0x9E3779B9 * (seed + 1);
        int i = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                state ^= state << 13;
                state ^= state >>> 17;
                state ^= state << 5;
                int noise = (state & 31) - 16;
                int ring = ((x - width / 2) * (x - width / 2) + (y - height / 3) * (y - height / 3)) >> 14 & 63;
                px[i++] = (byte) clamp(x * 255 / width + noise);
                px[i++] = (byte) clamp(y * 255 / height + ring + noise);
                px[i++] = (byte) clamp(128 + ring * 2 - noise);
            }
        }
        return image;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static Path writeJpeg(BufferedImage image, float quality, Path file) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }
}
