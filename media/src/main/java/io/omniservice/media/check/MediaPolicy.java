package io.omniservice.media.check;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which detected media types the gateway accepts and how large each kind may be. The type comes from
 * {@link MediaDetector} (the bytes), never from a name or a header, so a page or an executable cannot pass
 * as a picture. {@link #maxBytes()} caps downloads before the type is known.
 */
public final class MediaPolicy {
    private static final long MIB = 1L << 20;

    /** The accepted types, canonical names as {@link MediaDetector} returns them, in the order messages list them. */
    private static final Map<String, MediaKind> ACCEPTED = accepted();

    private static final Map<MediaKind, Long> DEFAULT_LIMITS = Map.of(
            MediaKind.IMAGE, 10 * MIB,
            MediaKind.VIDEO, 64 * MIB,
            MediaKind.AUDIO, 16 * MIB,
            MediaKind.DOCUMENT, 100 * MIB);

    private final Map<MediaKind, Long> limits;

    /**
     * @param maxBytesPerKind the largest file of each kind; a kind left out keeps its default (image 10 MiB,
     *     video 64 MiB, audio 16 MiB, document 100 MiB)
     * @throws IllegalArgumentException when a limit is not positive, naming the kind
     */
    public MediaPolicy(Map<MediaKind, Long> maxBytesPerKind) {
        Map<MediaKind, Long> merged = new EnumMap<>(DEFAULT_LIMITS);
        maxBytesPerKind.forEach((kind, max) -> {
            Objects.requireNonNull(kind, "kind");
            if (max == null || max <= 0) {
                throw new IllegalArgumentException(
                        "the size limit for " + name(kind) + " must be positive, got " + max);
            }
            merged.put(kind, max);
        });
        this.limits = Collections.unmodifiableMap(merged);
    }

    public static MediaPolicy defaults() {
        return new MediaPolicy(Map.of());
    }

    /**
     * Why a file of this detected type and size is not accepted; empty when it is.
     *
     * @param detectedType a type from {@link MediaDetector#detect}
     * @param size the file's length in bytes
     */
    public Optional<String> refusal(String detectedType, long size) {
        Optional<MediaKind> kind = kindOf(detectedType);
        if (kind.isEmpty()) {
            return Optional.of(detectedType + " is not an accepted media type (accepted: "
                    + String.join(", ", ACCEPTED.keySet()) + ")");
        }
        if (size <= 0) {
            return Optional.of("the " + detectedType + " file is empty");
        }
        long max = limits.get(kind.get());
        if (size > max) {
            return Optional.of(detectedType + " of " + describeSize(size) + " is over the " + describeSize(max)
                    + " limit for " + name(kind.get()));
        }
        return Optional.empty();
    }

    /** The kind of an accepted type; empty for any other type (or null). */
    public static Optional<MediaKind> kindOf(String type) {
        return Optional.ofNullable(type).map(ACCEPTED::get);
    }

    /** The accepted types, canonical names. */
    public static Set<String> acceptedTypes() {
        return ACCEPTED.keySet();
    }

    public long maxBytes(MediaKind kind) {
        return limits.get(kind);
    }

    /** The largest limit of any kind: the most a download may bring before its type is known. */
    public long maxBytes() {
        return limits.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    /** {@code 5.0 MiB}, {@code 12.5 KiB}, {@code 300 bytes}: sizes in reasons people read. */
    public static String describeSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        if (bytes < MIB) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) MIB);
    }

    private static String name(MediaKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, MediaKind> accepted() {
        Map<String, MediaKind> types = new LinkedHashMap<>();
        types.put(MediaTypes.JPEG, MediaKind.IMAGE);
        types.put(MediaTypes.PNG, MediaKind.IMAGE);
        types.put(MediaTypes.GIF, MediaKind.IMAGE);
        types.put(MediaTypes.WEBP, MediaKind.IMAGE);
        types.put(MediaTypes.MP4, MediaKind.VIDEO);
        types.put(MediaTypes.THREE_GPP, MediaKind.VIDEO);
        // beyond the seed's list: phones record MOV, and carriers get it as MP4 (ffmpeg) where they want that
        types.put(MediaTypes.QUICKTIME, MediaKind.VIDEO);
        types.put(MediaTypes.MP3, MediaKind.AUDIO);
        types.put(MediaTypes.OGG_AUDIO, MediaKind.AUDIO);
        types.put(MediaTypes.AMR, MediaKind.AUDIO);
        types.put(MediaTypes.PDF, MediaKind.DOCUMENT);
        types.put(MediaTypes.DOC, MediaKind.DOCUMENT);
        types.put(MediaTypes.XLS, MediaKind.DOCUMENT);
        types.put(MediaTypes.DOCX, MediaKind.DOCUMENT);
        types.put(MediaTypes.XLSX, MediaKind.DOCUMENT);
        return Collections.unmodifiableMap(types);
    }
}
