package io.omniservice.media;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.media.BlobStore;
import io.omniservice.core.media.MediaKeys;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.media.check.MalwareScanner;
import io.omniservice.media.check.MediaDetector;
import io.omniservice.media.check.MediaKind;
import io.omniservice.media.check.MediaPolicy;
import io.omniservice.media.check.ScanVerdict;
import io.omniservice.media.convert.Converted;
import io.omniservice.media.convert.Ffmpeg;
import io.omniservice.media.convert.ImageConverter;
import io.omniservice.media.convert.ImageFit;
import io.omniservice.media.fetch.FetchRefused;
import io.omniservice.media.fetch.Fetched;
import io.omniservice.media.fetch.SafeFetcher;
import io.omniservice.media.sign.MediaSigner;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media flow of the seed for real files: fetch (streamed, size-capped, guarded against private
 * addresses), validate (format from the bytes, size per kind, complete files only), scan for malware,
 * store content-addressed, make image thumbnails, convert to a carrier's limits at send time, and hand
 * out signed URLs. Thread-safe; every temporary file is deleted before a call returns.
 */
public final class GatewayMedia implements MediaPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayMedia.class);
    private static final Logger SECURITY = LoggerFactory.getLogger("omniservice.security");
    /** Converted copies and carrier uploads remembered per node, of each: a few hundred bytes apiece. */
    private static final int REMEMBERED = 10_000;

    /** A stored file and the carrier limits it is converted for: carriers with equal limits share the copy. */
    private record Target(String sourceKey, List<String> acceptedTypes, long maxMediaSize, Map<String, Long> limits) {
        static Target of(String sourceKey, CarrierCapabilities carrier) {
            return new Target(
                    sourceKey, carrier.supportedMediaTypes(), carrier.maxMediaSize(), carrier.mediaSizeLimits());
        }
    }

    /** A converted copy as stored. */
    private record Variant(String key, String contentType, long size) {}

    /** A stored file as uploaded to one carrier account (its {@link MediaAccess}). */
    private record UploadTarget(MediaAccess account, String key) {}

    /** What the upload gave (empty when the account uploads nothing), and until when it may be sent again. */
    private record Uploaded(Optional<MediaItem> item, Instant goodUntil) {}

    /**
     * How media is shown and handed over.
     *
     * @param thumbnailWidth thumbnails are this wide (never wider than the image)
     * @param viewUrlTtl how long the signed URLs in API answers and events work
     * @param sendUrlTtl how long the signed URL a carrier fetches works
     * @param workDir where files wait while they are checked and converted
     */
    public record Settings(int thumbnailWidth, Duration viewUrlTtl, Duration sendUrlTtl, Path workDir) {}

    private final BlobStore blobs;
    private final SafeFetcher fetcher;
    private final MediaDetector detector = new MediaDetector();
    private final MediaPolicy policy;
    private final MalwareScanner scanner;
    private final ImageConverter images;
    private final Optional<Ffmpeg> ffmpeg;
    private final MediaSigner signer;
    private final Settings settings;
    private final MadeOnce<Target, Variant> variants;
    private final MadeOnce<UploadTarget, Uploaded> uploads;
    /** ffmpeg uses every core for one file: one transcode at a time leaves the rest of the gateway running. */
    private final java.util.concurrent.Semaphore transcodes = new java.util.concurrent.Semaphore(1, true);

    /**
     * @param fetcher fetches carriers' attachments and clients' {@code mediaUrl}s alike: a carrier's URL
     *     arrives in a signed webhook, but it is still a URL from outside, so it gets the same guard
     */
    public GatewayMedia(
            BlobStore blobs,
            SafeFetcher fetcher,
            MediaPolicy policy,
            MalwareScanner scanner,
            ImageConverter images,
            Optional<Ffmpeg> ffmpeg,
            MediaSigner signer,
            Settings settings)
            throws IOException {
        this.blobs = blobs;
        this.fetcher = fetcher;
        this.policy = policy;
        this.scanner = scanner;
        this.images = images;
        this.ffmpeg = ffmpeg;
        this.signer = signer;
        this.settings = settings;
        this.variants =
                new MadeOnce<>(REMEMBERED, copy -> blobs.stat(copy.key()).isPresent());
        this.uploads = new MadeOnce<>(REMEMBERED, upload -> Instant.now().isBefore(upload.goodUntil()));
        Files.createDirectories(settings.workDir());
        removeLeftovers(settings.workDir());
    }

    /**
     * Files in the work directory at start were being fetched or converted when a process stopped (a
     * kill, a power cut): nothing refers to them, and each may be up to the size cap.
     */
    private static void removeLeftovers(Path workDir) throws IOException {
        try (var files = Files.list(workDir)) {
            long removed = files.filter(Files::isRegularFile)
                    .filter(file -> {
                        try {
                            return Files.deleteIfExists(file);
                        } catch (IOException e) {
                            LOG.warn("leftover media file {} not deleted: {}", file, e.toString());
                            return false;
                        }
                    })
                    .count();
            if (removed > 0) {
                LOG.info("{} media files left in {} by a stopped process deleted", removed, workDir);
            }
        }
    }

    @Override
    public MediaItem storeInbound(MediaItem item, MediaAccess access) throws IOException {
        MediaDownload download;
        try {
            download = access.resolve(item);
        } catch (MediaAccess.MediaUnavailable e) {
            return item.notStored(MediaItem.UNAVAILABLE, e.getMessage());
        }
        try (Fetched fetched = fetcher.fetch(download)) {
            Optional<String> damaged = Integrity.mismatch(item.sha256(), fetched.sha256());
            if (damaged.isPresent()) {
                // a download cut or changed on the way: worth fetching again
                throw new IOException("media from " + fetched.finalUri().getHost() + " " + damaged.get());
            }
            return check(item, fetched);
        } catch (FetchRefused e) {
            String status = FetchRefused.HTTP_STATUS.equals(e.code()) ? MediaItem.UNAVAILABLE : MediaItem.REFUSED;
            return item.notStored(status, e.getMessage());
        }
    }

    @Override
    public MediaItem ingest(MediaItem requested) throws MediaRefusal {
        URI uri;
        try {
            uri = new URI(requested.url());
        } catch (URISyntaxException | NullPointerException e) {
            throw new MediaRefusal("media_bad_url", "content.mediaUrl is not a URL");
        }
        MediaItem stored;
        try (Fetched fetched = fetcher.fetch(MediaDownload.plain(uri))) {
            try {
                stored = check(requested, fetched);
            } catch (IOException e) {
                // our side failed (the scanner, the disk), not the client's URL
                LOG.warn("media from {} not checked: {}", uri.getHost(), e.toString());
                throw new MediaRefusal(
                        "media_not_checked", "content.mediaUrl was fetched but could not be checked now; try again");
            }
        } catch (FetchRefused e) {
            throw new MediaRefusal("media_" + e.code(), "content.mediaUrl: " + e.getMessage());
        } catch (IOException e) {
            throw new MediaRefusal("media_unreachable", "content.mediaUrl could not be fetched: " + e.getMessage());
        }
        if (!MediaItem.STORED.equals(stored.status())) {
            throw new MediaRefusal("media_" + stored.status(), "content.mediaUrl: " + stored.reason());
        }
        return stored;
    }

    @Override
    public Optional<String> unfit(MediaItem stored, CarrierCapabilities carrier) {
        if (stored.key() == null) {
            return Optional.empty();
        }
        String type = stored.contentType();
        long limit = carrier.maxMediaSize(type);
        List<String> accepted = carrier.supportedMediaTypes();
        if (accepted.contains(type) && stored.size() <= limit) {
            return Optional.empty();
        }
        MediaKind kind = MediaPolicy.kindOf(type).orElse(MediaKind.DOCUMENT);
        String what = type + " of " + MediaPolicy.describeSize(stored.size());
        return switch (kind) {
            case IMAGE ->
                accepted.contains("image/jpeg") || accepted.contains("image/png")
                        ? Optional.empty()
                        : Optional.of("takes no " + type + " and no JPEG or PNG to convert it to");
            case VIDEO -> {
                if (!accepted.contains("video/mp4")) {
                    yield Optional.of("takes no " + type + " and no MP4 to convert it to");
                }
                yield ffmpeg.isPresent()
                        ? Optional.empty()
                        : Optional.of(what + " needs converting to MP4 under " + MediaPolicy.describeSize(limit)
                                + ", and ffmpeg is not installed");
            }
            case AUDIO -> {
                Optional<String> target = audioTarget(accepted);
                if (target.isEmpty()) {
                    yield Optional.of("takes no " + type + " and no MP3, Ogg or MP4 audio to convert it to");
                }
                yield ffmpeg.isPresent()
                        ? Optional.empty()
                        : Optional.of(what + " needs converting to " + target.get() + ", and ffmpeg is not installed");
            }
            case DOCUMENT ->
                accepted.contains(type)
                        ? Optional.of(what + " is over its " + MediaPolicy.describeSize(limit) + " limit")
                        : Optional.of("takes no " + type);
        };
    }

    @Override
    public MediaItem prepare(MediaItem stored, CarrierCapabilities carrier, MediaAccess access) throws SendFailure {
        if (stored.key() == null) {
            return stored;
        }
        try {
            MediaItem variant = stored;
            if (!carrier.supportedMediaTypes().contains(stored.contentType())
                    || stored.size() > carrier.maxMediaSize(stored.contentType())) {
                Variant copy = variants.get(Target.of(stored.key(), carrier), () -> convertAndStore(stored, carrier));
                variant = new MediaItem(
                        stored.url(),
                        null,
                        copy.contentType(),
                        renamed(stored.filename(), copy.contentType()),
                        copy.size(),
                        copy.key(),
                        copy.key(),
                        stored.thumbnailKey(),
                        MediaItem.STORED,
                        null,
                        null,
                        null);
            }
            if (access.uploads()) {
                Optional<MediaItem> uploaded = upload(variant, access);
                if (uploaded.isPresent()) {
                    return uploaded.get();
                }
            }
            URI url = link(variant.key(), settings.sendUrlTtl());
            return variant.withUrls(url.toString(), null, stored.url());
        } catch (IOException e) {
            throw SendFailure.retryable("media_unavailable", "media " + stored.key() + ": " + e.getMessage(), 0, null);
        }
    }

    /**
     * The carrier's upload of {@code variant}: a reference it gave for this file earlier and still takes, else a
     * new upload. The reference is put on this send's item, whose name and caption are its own.
     */
    private Optional<MediaItem> upload(MediaItem variant, MediaAccess access) throws IOException, SendFailure {
        Duration lasts = access.uploadsLast();
        if (!lasts.isPositive()) {
            return uploadNow(variant, access);
        }
        Uploaded done = uploads.get(
                new UploadTarget(access, variant.key()),
                () -> new Uploaded(uploadNow(variant, access), Instant.now().plus(lasts)));
        // the carrier's reference (a media id, or a URL on its own store) on this send's item
        return done.item()
                .map(item -> item.carrierMediaId() != null
                        ? variant.withCarrierMediaId(item.carrierMediaId())
                        : variant.withUrls(item.url(), variant.thumbnailUrl(), variant.carrierUrl()));
    }

    private Optional<MediaItem> uploadNow(MediaItem variant, MediaAccess access) throws IOException, SendFailure {
        Path file = copyOut(variant.key());
        try {
            return access.upload(variant, file);
        } finally {
            deleteQuietly(file);
        }
    }

    /** Converts a stored file to what {@code carrier} takes and stores the copy under its own hash. */
    private Variant convertAndStore(MediaItem stored, CarrierCapabilities carrier) throws IOException, SendFailure {
        Path original = copyOut(stored.key());
        Path converted = null;
        try {
            Converted result;
            try {
                result = convert(original, stored, carrier);
            } catch (IOException e) {
                // an image or a clip the converter cannot make fit will not fit on a retry either
                throw unsupported(stored.contentType() + " could not be converted: " + e.getMessage());
            }
            converted = result.file();
            String key = Sha256.of(converted);
            blobs.put(key, converted, result.contentType());
            LOG.info(
                    "media {} ({}, {} bytes) converted to {} ({} bytes) for a carrier taking {} up to {}",
                    stored.key(),
                    stored.contentType(),
                    stored.size(),
                    result.contentType(),
                    result.size(),
                    carrier.supportedMediaTypes(),
                    MediaPolicy.describeSize(carrier.maxMediaSize(stored.contentType())));
            return new Variant(key, result.contentType(), result.size());
        } finally {
            deleteQuietly(original);
            deleteQuietly(converted);
        }
    }

    @Override
    public MediaItem view(MediaItem stored) {
        if (stored.status() == null) {
            return stored;
        }
        if (!MediaItem.STORED.equals(stored.status()) || stored.key() == null) {
            return stored.withUrls(null, null, stored.url());
        }
        String thumbnail = stored.thumbnailKey() == null
                ? null
                : link(stored.thumbnailKey(), settings.viewUrlTtl()).toString();
        return stored.withUrls(link(stored.key(), settings.viewUrlTtl()).toString(), thumbnail, stored.url());
    }

    /**
     * The bytes are fetched: are they clean, a file we take, and complete? Stored when they are. The scan
     * comes first, so malware is quarantined and reported as such whatever type it poses as.
     */
    private MediaItem check(MediaItem item, Fetched fetched) throws IOException {
        String type = detector.detect(fetched.file());
        ScanVerdict verdict = scanner.scan(fetched.file());
        if (verdict.infected()) {
            blobs.put(MediaKeys.quarantined(fetched.sha256()), fetched.file(), type);
            SECURITY.warn(
                    "malware {} in media {} from {}: quarantined, never served",
                    verdict.signature(),
                    fetched.sha256(),
                    fetched.finalUri().getHost());
            return item.notStored(MediaItem.QUARANTINED, "malware found: " + verdict.signature());
        }

        Optional<String> refusal = policy.refusal(type, fetched.size());
        if (refusal.isEmpty()) {
            refusal = Completeness.problem(fetched.file(), type);
        }
        if (refusal.isPresent()) {
            LOG.info("media from {} refused: {}", fetched.finalUri().getHost(), refusal.get());
            return item.notStored(MediaItem.REFUSED, refusal.get());
        }
        String thumbnail = null;
        MediaKind kind = MediaPolicy.kindOf(type).orElse(MediaKind.DOCUMENT);
        if (kind == MediaKind.IMAGE) {
            try {
                thumbnail = thumbnail(fetched.file());
            } catch (IOException e) {
                return item.notStored(MediaItem.REFUSED, type + " could not be decoded: " + e.getMessage());
            }
        } else if (kind == MediaKind.VIDEO && ffmpeg.isPresent()) {
            thumbnail = videoThumbnail(fetched.file(), fetched.sha256()).orElse(null);
        }
        blobs.put(fetched.sha256(), fetched.file(), type);
        return item.stored(fetched.sha256(), type, fetched.size(), thumbnail);
    }

    /**
     * A thumbnail of a frame of the video. A video ffmpeg cannot take a frame from is still stored: players
     * and carriers may read what ffmpeg does not, and the thumbnail is a convenience.
     */
    private Optional<String> videoThumbnail(Path video, String sha256) {
        Path frame = null;
        try {
            frame = ffmpeg.orElseThrow().posterFrame(video, settings.thumbnailWidth(), settings.workDir());
            return Optional.of(thumbnail(frame));
        } catch (IOException e) {
            LOG.info("media {}: video stored without a thumbnail: {}", sha256, e.getMessage());
            return Optional.empty();
        } finally {
            deleteQuietly(frame);
        }
    }

    private String thumbnail(Path image) throws IOException {
        Converted small = images.thumbnail(image, settings.thumbnailWidth(), settings.workDir());
        try {
            String key = Sha256.of(small.file());
            blobs.put(key, small.file(), small.contentType());
            return key;
        } finally {
            deleteQuietly(small.file());
        }
    }

    private Converted convert(Path original, MediaItem stored, CarrierCapabilities carrier)
            throws IOException, SendFailure {
        String type = stored.contentType();
        long limit = carrier.maxMediaSize(type);
        List<String> accepted = carrier.supportedMediaTypes();
        MediaKind kind = MediaPolicy.kindOf(type).orElse(MediaKind.DOCUMENT);
        switch (kind) {
            case IMAGE -> {
                ImageFit fit = images.fit(original, type, accepted, limit, settings.workDir());
                switch (fit) {
                    case ImageFit.Rewritten rewritten -> {
                        LOG.info("media {}: {}", stored.key(), rewritten.note());
                        return rewritten.result();
                    }
                    case ImageFit.Impossible impossible -> throw unsupported(impossible.reason());
                    case ImageFit.Unchanged unchanged ->
                        throw new IllegalStateException(
                                "asked to convert an image the carrier already takes: " + stored.key());
                }
            }
            case VIDEO -> {
                if (ffmpeg.isPresent() && accepted.contains("video/mp4")) {
                    return transcoding(() -> ffmpeg.get().toMp4(original, limit, settings.workDir()));
                }
            }
            case AUDIO -> {
                Optional<String> target = audioTarget(accepted);
                if (ffmpeg.isPresent() && target.isPresent()) {
                    return ffmpeg.get()
                            .toAudio(original, target.get(), carrier.maxMediaSize(target.get()), settings.workDir());
                }
            }
            case DOCUMENT -> {}
        }
        throw unsupported(unfit(stored, carrier).orElse("cannot take " + type));
    }

    private interface Transcode {
        Converted run() throws IOException;
    }

    private Converted transcoding(Transcode transcode) throws IOException {
        try {
            transcodes.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting to transcode");
        }
        try {
            return transcode.run();
        } finally {
            transcodes.release();
        }
    }

    private static SendFailure unsupported(String reason) {
        return SendFailure.carrierRejected("media_unsupported", reason, 0);
    }

    private static Optional<String> audioTarget(List<String> accepted) {
        return List.of("audio/mpeg", "audio/ogg", "audio/mp4").stream()
                .filter(accepted::contains)
                .findFirst();
    }

    private URI link(String key, Duration ttl) {
        return blobs.presign(key, ttl).orElseGet(() -> signer.url(key, ttl));
    }

    private Path copyOut(String key) throws IOException {
        Path file = Files.createTempFile(settings.workDir(), "send-", ".bin");
        try (InputStream in = blobs.open(key, 0, -1)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(file);
            throw e;
        }
        return file;
    }

    /** A converted file keeps its name with the new type's extension ({@code photo.png} → {@code photo.jpg}). */
    static String renamed(String filename, String contentType) {
        if (filename == null) {
            return null;
        }
        String extension =
                switch (contentType) {
                    case "image/jpeg" -> ".jpg";
                    case "image/png" -> ".png";
                    case "video/mp4" -> ".mp4";
                    case "audio/mpeg" -> ".mp3";
                    case "audio/ogg" -> ".ogg";
                    case "audio/mp4" -> ".m4a";
                    default -> "";
                };
        int dot = filename.lastIndexOf('.');
        return (dot > 0 ? filename.substring(0, dot) : filename) + extension;
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("temporary media file {} not deleted: {}", file, e.toString());
            }
        }
    }
}
