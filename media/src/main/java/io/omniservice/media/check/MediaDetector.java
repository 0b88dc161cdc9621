package io.omniservice.media.check;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.tika.config.TikaConfig;
import org.apache.tika.detect.Detector;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaTypeRegistry;

/**
 * Tells a file's media type from its bytes alone: names and declared types lie (a page saved as
 * {@code photo.jpg}), the bytes decide what carriers and clients will be handed. Tika's magic reads the
 * head of the file; only when it says "an OLE2 file", "a zip", "an ISO media file" or "an Ogg stream" is
 * the container looked into (POI's directory, the zip's two package parts, the {@code ftyp} brand, the
 * first Ogg packet), so large files cost a few reads. Answers use the canonical names of
 * {@link MediaTypes}; anything unrecognised is {@code application/octet-stream}. Thread-safe.
 */
public final class MediaDetector {
    private static final int HEAD_BYTES = 256;

    /** Names Tika (or a container refinement) may give that mean one of our canonical types. */
    private static final Map<String, String> ALIASES = Map.of(
            "image/pjpeg", MediaTypes.JPEG,
            "image/jpg", MediaTypes.JPEG,
            "image/x-png", MediaTypes.PNG,
            "audio/mp3", MediaTypes.MP3,
            "audio/x-mpeg", MediaTypes.MP3,
            "audio/mpeg3", MediaTypes.MP3,
            "audio/x-amr", MediaTypes.AMR);

    private final Detector detector;
    private final MediaTypeRegistry registry;

    public MediaDetector() {
        // Tika's default detector: its MIME magic plus, found through the service loader, the zip
        // container detector of tika-parser-zip-commons (OpenDocument, jar, ...).
        TikaConfig tika = TikaConfig.getDefaultConfig();
        this.detector = tika.getDetector();
        this.registry = tika.getMediaTypeRegistry();
    }

    /** The media type of {@code file}'s bytes, e.g. {@code image/png}, or {@code application/octet-stream}. */
    public String detect(Path file) throws IOException {
        String tikaType;
        try (TikaInputStream in = TikaInputStream.get(file)) {
            // A fresh Metadata without the resource name: Tika must not fall back to the file's extension.
            tikaType = registry.normalize(detector.detect(in, new Metadata()))
                    .getBaseType()
                    .toString();
        }
        String refined =
                switch (tikaType) {
                    case "application/x-tika-msoffice" ->
                        OfficeContainers.ole2(file).orElse(tikaType);
                    case "application/x-tika-ooxml", "application/zip" ->
                        OfficeContainers.ooxml(file).orElse(tikaType);
                    case "video/quicktime", "video/mp4", "audio/mp4", "video/x-m4v", "video/3gpp", "audio/3gpp" ->
                        ContainerHeads.isoMedia(head(file)).orElse(tikaType);
                    case "application/ogg", "audio/ogg", "audio/vorbis", "audio/opus" ->
                        ContainerHeads.oggAudio(head(file)).orElse(tikaType);
                    default -> tikaType;
                };
        return ALIASES.getOrDefault(refined, refined);
    }

    private static byte[] head(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(HEAD_BYTES);
        }
    }
}
