package io.omniservice.server.media;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.net.AddressGuard;
import io.omniservice.media.GatewayMedia;
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
import io.omniservice.media.store.S3BlobStore;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.http.MediaApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the media pipeline the configuration describes: the blob store, the fetch guard, the scanner, ffmpeg. */
public final class ConfiguredMedia {
    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredMedia.class);

    private ConfiguredMedia() {}

    /**
     * @param sharedKey a key kept in the database under a name, for signing when the config gives no secret
     * @param sharedDatabase whether other nodes may share the database (PostgreSQL): they then need the
     *     files too, which a local directory cannot give them
     */
    public static MediaApi build(
            GatewayConfig.Media config,
            String publicBaseUrl,
            Function<String, byte[]> sharedKey,
            Clock clock,
            boolean sharedDatabase) {
        if (sharedDatabase && config.s3() == null) {
            LOG.warn(
                    "media are kept in {} on this node only; other gateway nodes on this database will answer 404"
                            + " for them: configure media.s3 (an S3-compatible bucket) when running several nodes",
                    config.directory().toAbsolutePath());
        }
        BlobStore blobs = blobs(config);
        try {
            byte[] secret = config.signingSecret() != null
                    ? config.signingSecret().getBytes(StandardCharsets.UTF_8)
                    : sharedKey.apply("media_signing_key");
            MediaSigner signer = new MediaSigner(secret, URI.create(publicBaseUrl), clock);
            MediaPolicy policy = new MediaPolicy(limits(config.maxBytes()));
            SafeFetcher fetcher = new SafeFetcher(
                    new AddressGuard("media.fetch.allowedNetworks", config.allowedNetworks()),
                    new FetchLimits(
                            config.connectTimeout(),
                            config.fetchTimeout(),
                            policy.maxBytes(),
                            FetchLimits.defaults().maxRedirects(),
                            config.fetchAttempts()),
                    config.directory().resolve("work"));
            MalwareScanner scanner = config.clamd() == null ? MalwareScanner.NONE : ClamdScanner.of(config.clamd());
            LOG.info(
                    "media: {} ({}), malware scan: {}",
                    config.s3() == null
                            ? "files under " + config.directory()
                            : "bucket " + config.s3().bucket(),
                    config.s3() == null ? "signed /media URLs" : "presigned S3 URLs",
                    scanner.describe());
            GatewayMedia pipeline = new GatewayMedia(
                    blobs,
                    fetcher,
                    policy,
                    scanner,
                    new ImageConverter(config.maxPixels(), 2),
                    Ffmpeg.locate(config.ffmpeg()),
                    signer,
                    new GatewayMedia.Settings(
                            config.thumbnailWidth(),
                            config.viewUrlTtl(),
                            config.sendUrlTtl(),
                            config.directory().resolve("work")));
            return new MediaApi(pipeline, blobs, signer);
        } catch (IOException e) {
            blobs.close();
            throw new UncheckedIOException("media directory " + config.directory() + " not usable", e);
        } catch (RuntimeException e) {
            blobs.close();
            throw e;
        }
    }

    private static BlobStore blobs(GatewayConfig.Media config) {
        if (config.s3() != null) {
            return new S3BlobStore(config.s3());
        }
        try {
            return new FileBlobStore(config.directory());
        } catch (IOException e) {
            throw new UncheckedIOException("media directory " + config.directory() + " not usable", e);
        }
    }

    private static Map<MediaKind, Long> limits(Map<String, Long> configured) {
        MediaPolicy defaults = MediaPolicy.defaults();
        Map<MediaKind, Long> limits = new EnumMap<>(MediaKind.class);
        for (MediaKind kind : MediaKind.values()) {
            limits.put(kind, defaults.maxBytes(kind));
        }
        configured.forEach((kind, bytes) -> limits.put(MediaKind.valueOf(kind.toUpperCase(Locale.ROOT)), bytes));
        return limits;
    }
}
