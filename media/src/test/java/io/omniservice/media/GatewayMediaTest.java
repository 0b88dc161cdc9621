package io.omniservice.media;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaKeys;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.media.StoredBlob;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.net.AddressGuard;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.media.check.ClamdScanner;
import io.omniservice.media.check.MalwareScanner;
import io.omniservice.media.check.MediaKind;
import io.omniservice.media.check.MediaPolicy;
import io.omniservice.media.convert.Ffmpeg;
import io.omniservice.media.convert.ImageConverter;
import io.omniservice.media.fetch.FetchLimits;
import io.omniservice.media.fetch.SafeFetcher;
import io.omniservice.media.sign.MediaSigner;
import io.omniservice.media.store.FileBlobStore;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole media flow on real files: a WireMock origin, the file store, Tika, ImageIO, and clamd when one runs. */
class GatewayMediaTest {
    private static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    private static final byte[] SECRET = "media-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final URI BASE = URI.create("https://gw.example.com");

    @TempDir
    Path dir;

    private final WireMockServer origin = new WireMockServer(
            WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    private FileBlobStore blobs;
    private Optional<Ffmpeg> ffmpeg = Optional.empty();
    private final MediaSigner signer = new MediaSigner(SECRET, BASE, Clock.systemUTC());

    @BeforeEach
    void start() throws IOException {
        origin.start();
        blobs = new FileBlobStore(dir.resolve("media"));
    }

    @AfterEach
    void stop() {
        origin.stop();
    }

    private GatewayMedia media(MalwareScanner scanner, Map<MediaKind, Long> limits, List<String> allowed)
            throws IOException {
        return media(blobs, scanner, limits, allowed);
    }

    private GatewayMedia media(
            BlobStore store, MalwareScanner scanner, Map<MediaKind, Long> limits, List<String> allowed)
            throws IOException {
        MediaPolicy policy = new MediaPolicy(limits);
        return new GatewayMedia(
                store,
                new SafeFetcher(
                        new AddressGuard("media.fetch.allowedNetworks", allowed),
                        FetchLimits.defaults().withMaxBytes(policy.maxBytes()),
                        dir.resolve("work")),
                policy,
                scanner,
                new ImageConverter(),
                ffmpeg,
                signer,
                new GatewayMedia.Settings(320, Duration.ofHours(1), Duration.ofHours(1), dir.resolve("work")));
    }

    private GatewayMedia media() throws IOException {
        return media(MalwareScanner.NONE, Map.of(), List.of("127.0.0.1/32"));
    }

    private String serve(String path, byte[] body, String contentType) {
        origin.stubFor(get(urlEqualTo(path))
                .willReturn(aResponse().withHeader("Content-Type", contentType).withBody(body)));
        return origin.baseUrl() + path;
    }

    @Test
    void storesAnImageUnderItsHashWithAThumbnailAndShowsSignedLinks() throws Exception {
        byte[] png = picture(1280, 960, "png");
        String url = serve("/photo.png", png, "image/png");
        GatewayMedia media = media();

        MediaItem stored = media.storeInbound(MediaItem.url(url, "image/png"), MediaAccess.PUBLIC);

        assertThat(stored.status()).isEqualTo(MediaItem.STORED);
        assertThat(stored.key()).isEqualTo(sha256(png)).isEqualTo(stored.sha256());
        assertThat(stored.contentType()).isEqualTo("image/png");
        assertThat(stored.size()).isEqualTo(png.length);
        assertThat(read(stored.key())).isEqualTo(png);
        BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(read(stored.thumbnailKey())));
        assertThat(thumbnail.getWidth()).isEqualTo(320);
        assertThat(thumbnail.getHeight()).isEqualTo(240);
        assertThat(blobs.stat(stored.thumbnailKey()).orElseThrow().contentType())
                .isEqualTo("image/jpeg");

        MediaItem shown = media.view(stored);
        assertThat(shown.carrierUrl()).isEqualTo(url);
        assertThat(shown.url()).startsWith("https://gw.example.com/media/" + stored.key() + "?expires=");
        assertThat(verdict(shown.url(), stored.key())).isEqualTo(MediaSigner.Verdict.VALID);
        assertThat(verdict(shown.thumbnailUrl(), stored.thumbnailKey())).isEqualTo(MediaSigner.Verdict.VALID);
    }

    @Test
    void aVideoGetsAThumbnailOfAFrameWhenFfmpegIsInstalled() throws Exception {
        ffmpeg = Ffmpeg.locate(null);
        assumeTrue(ffmpeg.isPresent(), "ffmpeg/ffprobe are not installed: video thumbnails are not made");
        byte[] clip = Files.readAllBytes(Path.of("src/test/resources/samples/convert-clip.mp4"));
        GatewayMedia media = media();

        MediaItem stored = media.ingest(MediaItem.url(serve("/clip.mp4", clip, "video/mp4"), null));

        assertThat(stored.status()).isEqualTo(MediaItem.STORED);
        assertThat(stored.contentType()).isEqualTo("video/mp4");
        assertThat(stored.thumbnailKey()).isNotNull();
        assertThat(blobs.stat(stored.thumbnailKey()).orElseThrow().contentType())
                .isEqualTo("image/jpeg");
        BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(read(stored.thumbnailKey())));
        assertThat(thumbnail.getWidth()).isLessThanOrEqualTo(320).isPositive();
        assertThat(media.view(stored).thumbnailUrl()).isNotNull();
        try (var left = Files.list(dir.resolve("work"))) {
            assertThat(left).as("the frame and the download are deleted").isEmpty();
        }
    }

    @Test
    void filesLeftInTheWorkDirectoryByAStoppedProcessAreDeletedAtStart() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Path leftover = Files.write(work.resolve("fetch-123.part"), new byte[1024]);

        media();

        assertThat(leftover).doesNotExist();
        assertThat(work).isDirectory();
    }

    @Test
    void theSameFileTwiceIsStoredOnce() throws Exception {
        byte[] png = picture(64, 64, "png");
        GatewayMedia media = media();
        MediaItem first =
                media.storeInbound(MediaItem.url(serve("/a.png", png, "image/png"), null), MediaAccess.PUBLIC);
        MediaItem second =
                media.storeInbound(MediaItem.url(serve("/b.png", png, "image/png"), null), MediaAccess.PUBLIC);

        assertThat(second.key()).isEqualTo(first.key());
        try (Stream<Path> files = Files.walk(dir.resolve("media"))) {
            // the original and its thumbnail, each with its type beside it
            assertThat(files.filter(Files::isRegularFile)
                            .filter(p -> !p.startsWith(dir.resolve("media/work")))
                            .count())
                    .isEqualTo(4);
        }
    }

    @Test
    void aDownloadThatDoesNotMatchTheCarriersDigestIsFetchedAgainLater() throws Exception {
        byte[] png = picture(64, 64, "png");
        String url = serve("/digest.png", png, "image/png");
        GatewayMedia media = media();

        assertThatThrownBy(() -> media.storeInbound(
                        new MediaItem(url, null, "image/png", null, null, sha256("other bytes".getBytes())),
                        MediaAccess.PUBLIC))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not match the carrier's SHA-256");
        MediaItem stored = media.storeInbound(
                new MediaItem(url, null, "image/png", null, null, sha256(png).toUpperCase(java.util.Locale.ROOT)),
                MediaAccess.PUBLIC);
        assertThat(stored.status()).isEqualTo(MediaItem.STORED);
    }

    @Test
    void theTypeComesFromTheBytesNotTheNameOrHeader() throws Exception {
        byte[] png = picture(64, 48, "png");
        MediaItem stored = media().storeInbound(
                        new MediaItem(
                                serve("/report.pdf", png, "application/pdf"),
                                null,
                                "application/pdf",
                                "report.pdf",
                                null,
                                null),
                        MediaAccess.PUBLIC);

        assertThat(stored.status()).isEqualTo(MediaItem.STORED);
        assertThat(stored.contentType()).isEqualTo("image/png");
    }

    @Test
    void anHtmlPageServedAsJpegIsRefused() throws Exception {
        byte[] html = "<!DOCTYPE html><html><body>login here</body></html>".getBytes(StandardCharsets.UTF_8);
        MediaItem refused = media().storeInbound(
                        MediaItem.url(serve("/x.jpg", html, "image/jpeg"), "image/jpeg"), MediaAccess.PUBLIC);

        assertThat(refused.status()).isEqualTo(MediaItem.REFUSED);
        assertThat(refused.reason()).contains("text/html");
        assertThat(refused.key()).isNull();
        assertThat(media().view(refused).url()).isNull();
    }

    @Test
    void truncatedAndCorruptFilesAreRefused() throws Exception {
        byte[] png = picture(200, 200, "png");
        byte[] jpeg = picture(200, 200, "jpg");
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        GatewayMedia media = media();

        MediaItem cutPng = media.storeInbound(
                MediaItem.url(serve("/cut.png", java.util.Arrays.copyOf(png, png.length / 2), "image/png"), null),
                MediaAccess.PUBLIC);
        MediaItem cutJpeg = media.storeInbound(
                MediaItem.url(serve("/cut.jpg", java.util.Arrays.copyOf(jpeg, jpeg.length - 40), "image/jpeg"), null),
                MediaAccess.PUBLIC);
        MediaItem random =
                media.storeInbound(MediaItem.url(serve("/r.bin", noise, "image/jpeg"), null), MediaAccess.PUBLIC);

        assertThat(cutPng.status()).isEqualTo(MediaItem.REFUSED);
        assertThat(cutPng.reason()).contains("truncated PNG");
        assertThat(cutJpeg.status()).isEqualTo(MediaItem.REFUSED);
        assertThat(cutJpeg.reason()).contains("truncated JPEG");
        assertThat(random.status()).isEqualTo(MediaItem.REFUSED);
        assertThat(random.reason()).contains("application/octet-stream");
    }

    @Test
    void aFileOverItsKindsLimitIsRefused() throws Exception {
        byte[] png = picture(400, 400, "png");
        GatewayMedia media = media(MalwareScanner.NONE, Map.of(MediaKind.IMAGE, 1000L), List.of("127.0.0.1/32"));

        MediaItem refused =
                media.storeInbound(MediaItem.url(serve("/big.png", png, "image/png"), null), MediaAccess.PUBLIC);

        assertThat(refused.status()).isEqualTo(MediaItem.REFUSED);
        assertThat(refused.reason()).contains("limit");
    }

    @Test
    void malwareIsQuarantinedAndNeverLinked() throws Exception {
        ClamdScanner clamd =
                ClamdScanner.of(Objects.requireNonNullElse(System.getenv("OMNI_CLAMD"), "tcp://127.0.0.1:3310"));
        String why = null;
        try {
            clamd.ping();
        } catch (IOException e) {
            why = e.toString();
        }
        String reason = why;
        assumeTrue(reason == null, () -> "no clamd answers PING (run .ci/clamd, or set OMNI_CLAMD): " + reason);
        byte[] eicar = EICAR.getBytes(StandardCharsets.US_ASCII);
        GatewayMedia media = media(clamd, Map.of(), List.of("127.0.0.1/32"));

        // posing as a picture: the scan runs before the type is judged
        MediaItem infected = media.storeInbound(
                MediaItem.url(serve("/photo.jpg", eicar, "image/jpeg"), "image/jpeg"), MediaAccess.PUBLIC);

        assertThat(eicar).hasSize(68);
        assertThat(infected.status()).isEqualTo(MediaItem.QUARANTINED);
        assertThat(infected.reason()).containsIgnoringCase("eicar");
        assertThat(infected.key()).isNull();
        assertThat(media.view(infected).url()).isNull();
        assertThat(blobs.stat(MediaKeys.quarantined(sha256(eicar)))).isPresent();
        assertThat(blobs.stat(sha256(eicar))).isEmpty();
    }

    @Test
    void clientUrlsToPrivateAddressesAreRefusedEvenThroughARedirect() throws Exception {
        GatewayMedia guarded = media(MalwareScanner.NONE, Map.of(), List.of());
        GatewayMedia loopbackAllowed = media();
        origin.stubFor(get(urlEqualTo("/hop"))
                .willReturn(aResponse()
                        .withStatus(302)
                        .withHeader("Location", "http://169.254.169.254/latest/meta-data/")));
        origin.stubFor(get(urlEqualTo("/hop10"))
                .willReturn(aResponse().withStatus(302).withHeader("Location", "http://10.0.0.7/internal.png")));

        for (String url : List.of(
                origin.baseUrl() + "/photo.png", "http://169.254.169.254/latest/meta-data/", "http://[::1]/x.png")) {
            assertThatThrownBy(() -> guarded.ingest(MediaItem.url(url, null)))
                    .isInstanceOfSatisfying(MediaPipeline.MediaRefusal.class, r -> assertThat(r.code())
                            .isEqualTo("media_address_not_allowed"));
        }
        for (String hop : List.of("/hop", "/hop10")) {
            assertThatThrownBy(() -> loopbackAllowed.ingest(MediaItem.url(origin.baseUrl() + hop, null)))
                    .isInstanceOfSatisfying(MediaPipeline.MediaRefusal.class, r -> assertThat(r.code())
                            .isEqualTo("media_address_not_allowed"));
        }
    }

    @Test
    void aClientFileNoOneTakesIsRefusedWithItsReason() throws Exception {
        byte[] html = "<html><body>not a picture</body></html>".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> media().ingest(MediaItem.url(serve("/page", html, "image/png"), null)))
                .isInstanceOfSatisfying(MediaPipeline.MediaRefusal.class, r -> {
                    assertThat(r.code()).isEqualTo("media_refused");
                    assertThat(r.getMessage()).contains("text/html");
                });
    }

    @Test
    void anImageTooBigForTheCarrierIsConvertedAndSignedAtSendTime() throws Exception {
        byte[] png = noisyPicture(1600, 1200);
        GatewayMedia media = media();
        MediaItem stored = media.ingest(MediaItem.url(serve("/big.png", png, "image/png"), null));
        CarrierCapabilities mms = capabilities(List.of("image/jpeg", "image/gif"), 200_000);

        assertThat(media.unfit(stored, mms)).isEmpty();
        MediaItem sent = media.prepare(stored, mms, MediaAccess.PUBLIC);

        assertThat(sent.contentType()).isEqualTo("image/jpeg");
        assertThat(sent.size()).isLessThanOrEqualTo(200_000);
        assertThat(sent.key()).isNotEqualTo(stored.key());
        assertThat(read(sent.key())).hasSize(sent.size().intValue());
        assertThat(verdict(sent.url(), sent.key())).isEqualTo(MediaSigner.Verdict.VALID);
        assertThat(sent.carrierUrl()).isEqualTo(stored.url());
    }

    @Test
    void aFileIsConvertedOncePerKindOfCarrierNotOncePerSend() throws Exception {
        byte[] png = noisyPicture(1600, 1200);
        CountingBlobStore counting = new CountingBlobStore(blobs);
        GatewayMedia media = media(counting, MalwareScanner.NONE, Map.of(), List.of("127.0.0.1/32"));
        MediaItem stored = media.ingest(MediaItem.url(serve("/campaign.png", png, "image/png"), null));
        CarrierCapabilities mms = capabilities(List.of("image/jpeg"), 200_000);
        counting.reads.clear();
        counting.writes.clear();

        // four sends at once, as a campaign's would be, then a retry of one of them
        List<MediaItem> sent;
        try (var sends = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<MediaItem>> pending = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                pending.add(sends.submit(() -> media.prepare(stored, mms, MediaAccess.PUBLIC)));
            }
            sent = new ArrayList<>();
            for (var future : pending) {
                sent.add(future.get());
            }
        }
        MediaItem retried = media.prepare(stored, mms, MediaAccess.PUBLIC);

        String variant = retried.key();
        assertThat(sent).extracting(MediaItem::key).containsOnly(variant);
        assertThat(counting.reads).containsExactly(stored.key());
        assertThat(counting.writes).containsExactly(variant);

        // a carrier with other limits needs its own copy; a copy deleted from the store is made again
        MediaItem smaller = media.prepare(stored, capabilities(List.of("image/jpeg"), 100_000), MediaAccess.PUBLIC);
        assertThat(smaller.key()).isNotEqualTo(variant);
        blobs.delete(variant);
        assertThat(media.prepare(stored, mms, MediaAccess.PUBLIC).key()).isEqualTo(variant);
        assertThat(read(variant)).hasSize(retried.size().intValue());
        assertThat(counting.reads).containsExactly(stored.key(), stored.key(), stored.key());
    }

    @Test
    void anUploadingCarrierGetsTheConvertedCopy() throws Exception {
        byte[] png = noisyPicture(1600, 1200);
        GatewayMedia media = media();
        MediaItem stored = media.ingest(MediaItem.url(serve("/to-upload.png", png, "image/png"), null));
        List<byte[]> uploaded = new ArrayList<>();
        MediaAccess uploading = uploadingTo(uploaded);
        CarrierCapabilities whatsApp = capabilities(List.of("image/jpeg"), 200_000);

        MediaItem first = media.prepare(stored, whatsApp, uploading);
        MediaItem again = media.prepare(stored, whatsApp, uploading);

        assertThat(first.contentType()).isEqualTo("image/jpeg");
        assertThat(uploaded).hasSize(2).allSatisfy(bytes -> assertThat(bytes).isEqualTo(read(first.key())));
        assertThat(again.key()).isEqualTo(first.key());
        assertThat(again.carrierMediaId()).isEqualTo("media-id-2");
    }

    @Test
    void aCarrierThatUploadsGetsTheFileAndItsOwnReference() throws Exception {
        byte[] jpeg = picture(300, 200, "jpg");
        GatewayMedia media = media();
        MediaItem stored = media.ingest(MediaItem.url(serve("/p.jpg", jpeg, "image/jpeg"), null));
        List<byte[]> uploaded = new ArrayList<>();
        MediaAccess uploading = uploadingTo(uploaded);

        MediaItem sent = media.prepare(stored, capabilities(List.of("image/jpeg"), 5_000_000), uploading);

        assertThat(uploaded).singleElement().isEqualTo(jpeg);
        assertThat(sent.carrierMediaId()).isEqualTo("media-id-1");
        assertThat(sent.url()).isNull();
    }

    @Test
    void aCarriersUploadIsSentAgainWhileItKeepsItAndRenewedAfter() throws Exception {
        byte[] jpeg = picture(300, 200, "jpg");
        GatewayMedia media = media();
        MediaItem stored = media.ingest(MediaItem.url(serve("/campaign.jpg", jpeg, "image/jpeg"), null));
        CarrierCapabilities whatsApp = capabilities(List.of("image/jpeg"), 5_000_000);
        List<byte[]> uploaded = new ArrayList<>();
        MediaAccess keepsAnHour = uploadingTo(uploaded, Duration.ofHours(1));

        List<MediaItem> sent = new ArrayList<>();
        try (var sends = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<MediaItem>> pending = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                MediaItem named = new MediaItem(
                        stored.url(),
                        null,
                        stored.contentType(),
                        "receipt-" + i + ".jpg",
                        stored.size(),
                        stored.sha256(),
                        stored.key(),
                        stored.thumbnailKey(),
                        MediaItem.STORED,
                        null,
                        null,
                        null);
                pending.add(sends.submit(() -> media.prepare(named, whatsApp, keepsAnHour)));
            }
            for (var future : pending) {
                sent.add(future.get());
            }
        }

        assertThat(uploaded).hasSize(1);
        assertThat(sent).extracting(MediaItem::carrierMediaId).containsOnly("media-id-1");
        assertThat(sent)
                .as("each send keeps its own name")
                .extracting(MediaItem::filename)
                .containsExactlyInAnyOrder("receipt-0.jpg", "receipt-1.jpg", "receipt-2.jpg", "receipt-3.jpg");

        MediaAccess keepsAMoment = uploadingTo(uploaded, Duration.ofMillis(1));
        media.prepare(stored, whatsApp, keepsAMoment);
        Thread.sleep(20);
        assertThat(media.prepare(stored, whatsApp, keepsAMoment).carrierMediaId())
                .as("an id past its time is not sent again")
                .isEqualTo("media-id-3");
        assertThat(uploaded).hasSize(3);
    }

    @Test
    void aScannerThatFailsIsOurFaultNotTheClients() throws Exception {
        MalwareScanner down = new MalwareScanner() {
            @Override
            public io.omniservice.media.check.ScanVerdict scan(Path file) throws IOException {
                throw new IOException("clamd: connection refused");
            }

            @Override
            public String describe() {
                return "a clamd that is down";
            }
        };
        GatewayMedia media = media(down, Map.of(), List.of("127.0.0.1/32"));

        assertThatThrownBy(
                        () -> media.ingest(MediaItem.url(serve("/ok.png", picture(32, 32, "png"), "image/png"), null)))
                .isInstanceOfSatisfying(MediaPipeline.MediaRefusal.class, r -> assertThat(r.code())
                        .isEqualTo("media_not_checked"));
        assertThatThrownBy(() -> media.storeInbound(
                        MediaItem.url(serve("/in.png", picture(32, 32, "png"), "image/png"), null), MediaAccess.PUBLIC))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("connection refused");
    }

    @Test
    void aFileTheConverterCannotReadFailsTheCarrierForGoodNotForARetry() throws Exception {
        byte[] noise = new byte[2048];
        new Random(3).nextBytes(noise);
        Path file = Files.write(dir.resolve("noise.bin"), noise);
        String key = sha256(noise);
        blobs.put(key, file, "image/png");
        MediaItem stored =
                MediaItem.url("https://client.example/p.png", null).stored(key, "image/png", noise.length, null);

        assertThatThrownBy(() ->
                        media().prepare(stored, capabilities(List.of("image/jpeg"), 5_000_000), MediaAccess.PUBLIC))
                .isInstanceOfSatisfying(SendFailure.class, f -> {
                    assertThat(f.code()).isEqualTo("media_unsupported");
                    assertThat(f.kind()).isEqualTo(SendFailure.Kind.CARRIER_REJECTED);
                });
    }

    @Test
    void aDocumentOverTheCarriersLimitCannotBeSentThere() throws Exception {
        byte[] pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".getBytes(StandardCharsets.US_ASCII);
        GatewayMedia media = media();
        MediaItem stored = media.ingest(MediaItem.url(serve("/d.pdf", pdf, "application/pdf"), null));

        assertThat(media.unfit(stored, capabilities(List.of("application/pdf"), 10)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("over its"));
        assertThat(media.unfit(stored, capabilities(List.of("image/jpeg"), 5_000_000)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("takes no application/pdf"));
        assertThatThrownBy(
                        () -> media.prepare(stored, capabilities(List.of("image/jpeg"), 5_000_000), MediaAccess.PUBLIC))
                .isInstanceOfSatisfying(
                        SendFailure.class, f -> assertThat(f.code()).isEqualTo("media_unsupported"));
    }

    private static CarrierCapabilities capabilities(List<String> types, long max) {
        return new CarrierCapabilities(true, true, false, false, false, max, types, 1600);
    }

    private MediaSigner.Verdict verdict(String url, String key) {
        URI uri = URI.create(url);
        String expires = null;
        String signature = null;
        for (String pair : uri.getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            if (kv[0].equals("expires")) {
                expires = kv[1];
            } else if (kv[0].equals("signature")) {
                signature = kv[1];
            }
        }
        assertThat(uri.getPath()).isEqualTo("/media/" + key);
        return signer.verify(key, expires, signature);
    }

    private byte[] read(String key) throws IOException {
        try (InputStream in = blobs.open(key, 0, -1)) {
            return in.readAllBytes();
        }
    }

    private static byte[] picture(int width, int height, String format) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    private static byte[] noisyPicture(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(42);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A carrier that wants uploads: keeps each file's bytes and answers {@code media-id-<n>} for the n-th. */
    private static MediaAccess uploadingTo(List<byte[]> uploaded) {
        return uploadingTo(uploaded, Duration.ZERO);
    }

    /** The same, with ids it takes again for {@code lasts}. */
    private static MediaAccess uploadingTo(List<byte[]> uploaded, Duration lasts) {
        return new MediaAccess() {
            @Override
            public Duration uploadsLast() {
                return lasts;
            }

            @Override
            public io.omniservice.core.carrier.MediaDownload resolve(MediaItem item) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean uploads() {
                return true;
            }

            @Override
            public Optional<MediaItem> upload(MediaItem item, Path file) {
                try {
                    synchronized (uploaded) {
                        uploaded.add(Files.readAllBytes(file));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                return Optional.of(item.withCarrierMediaId("media-id-" + uploaded.size()));
            }
        };
    }

    /** The store as the pipeline uses it, with the keys it wrote and read in order. */
    private static final class CountingBlobStore implements BlobStore {
        final List<String> writes = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> reads = java.util.Collections.synchronizedList(new ArrayList<>());
        private final BlobStore store;

        CountingBlobStore(BlobStore store) {
            this.store = store;
        }

        @Override
        public StoredBlob put(String key, Path file, String contentType) throws IOException {
            writes.add(key);
            return store.put(key, file, contentType);
        }

        @Override
        public Optional<StoredBlob> stat(String key) throws IOException {
            return store.stat(key);
        }

        @Override
        public InputStream open(String key, long offset, long length) throws IOException {
            reads.add(key);
            return store.open(key, offset, length);
        }

        @Override
        public void delete(String key) throws IOException {
            store.delete(key);
        }
    }
}
