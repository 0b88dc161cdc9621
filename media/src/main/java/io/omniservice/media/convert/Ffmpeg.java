package io.omniservice.media.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audio and video transcoding through the ffmpeg binary, when the host has one: carriers take few video and
 * audio types (MMS wants MP4/H.264, WhatsApp Ogg/Opus voice notes) and firm size limits, and no Java library
 * transcodes H.264. Without ffmpeg the gateway still works; media is then passed on as received.
 *
 * <p>Outputs are sized from the duration: the bitrate is what the carrier's byte limit allows (minus 5 % for the
 * container), with one retry at a lower bitrate when the encoder overshoots. Each run is an argument list (no
 * shell), has a timeout, and leaves no file behind when it fails.
 */
public final class Ffmpeg {
    private static final Logger LOG = LoggerFactory.getLogger(Ffmpeg.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern ENCODER_LINE = Pattern.compile("^\\s*[VAS][F.][S.][X.][B.][D.]\\s+([\\w-]+)\\s.*$");
    static final String NOT_FOUND = "ffmpeg not found: audio/video will be stored and sent as received, not transcoded";
    /** Share of the byte limit left to the streams; the rest is container overhead and encoder overshoot. */
    private static final double PAYLOAD_SHARE = 0.95;
    /** Below this the picture is mush: refuse rather than send it. */
    static final int MIN_VIDEO_KBPS = 40;

    private final String ffmpeg;
    private final String ffprobe;
    private final String version;
    private final Set<String> encoders;
    private final Duration timeout;

    private Ffmpeg(String ffmpeg, String ffprobe, String version, Set<String> encoders, Duration timeout) {
        this.ffmpeg = ffmpeg;
        this.ffprobe = ffprobe;
        this.version = version;
        this.encoders = Set.copyOf(encoders);
        this.timeout = timeout;
    }

    /** {@link #locate(String, Duration)} with {@link #DEFAULT_TIMEOUT} per transcode. */
    public static Optional<Ffmpeg> locate(String configuredPath) {
        return locate(configuredPath, DEFAULT_TIMEOUT);
    }

    /**
     * The ffmpeg at {@code configuredPath}, or {@code ffmpeg} on the PATH when that is null or blank, with the
     * {@code ffprobe} beside it; empty (and a WARN saying media will go untranscoded) when either does not run.
     *
     * @param timeout how long one transcode may take before the process is killed
     */
    public static Optional<Ffmpeg> locate(String configuredPath, Duration timeout) {
        String ffmpeg = configuredPath == null || configuredPath.isBlank() ? "ffmpeg" : configuredPath.strip();
        String ffprobe = siblingProbe(ffmpeg);
        try {
            ToolRun version = ToolRun.run(List.of(ffmpeg, "-version"), PROBE_TIMEOUT);
            if (!version.ok()) {
                LOG.warn("{} ('{}' -version failed: {})", NOT_FOUND, ffmpeg, version.failure());
                return Optional.empty();
            }
            ToolRun probe = ToolRun.run(List.of(ffprobe, "-version"), PROBE_TIMEOUT);
            if (!probe.ok()) {
                LOG.warn("{} ('{}' -version failed: {})", NOT_FOUND, ffprobe, probe.failure());
                return Optional.empty();
            }
            ToolRun list = ToolRun.run(List.of(ffmpeg, "-hide_banner", "-encoders"), PROBE_TIMEOUT);
            Ffmpeg found = new Ffmpeg(
                    ffmpeg,
                    ffprobe,
                    version.stdout().lines().findFirst().orElse("ffmpeg").strip(),
                    encoders(list.stdout()),
                    timeout);
            LOG.info(
                    "ffmpeg found: {} at '{}'; writes MP4 video: {}, audio: {}",
                    found.version,
                    ffmpeg,
                    found.canWriteMp4() ? "yes" : "no (needs libx264 and aac)",
                    found.audioTypes().isEmpty() ? "none" : String.join(", ", found.audioTypes()));
            return Optional.of(found);
        } catch (IOException e) {
            LOG.warn("{} (tried '{}': {})", NOT_FOUND, ffmpeg, e.getMessage());
            return Optional.empty();
        }
    }

    /** The first line of {@code ffmpeg -version}, e.g. {@code ffmpeg version 5.1.9-0+deb12u1 ...}. */
    public String version() {
        return version;
    }

    /** Whether {@link #toMp4} can work: this ffmpeg has the libx264 and aac encoders. */
    public boolean canWriteMp4() {
        return encoders.contains("libx264") && encoders.contains("aac");
    }

    /** The audio types {@link #toAudio} can write with this ffmpeg's encoders, among audio/mpeg, audio/ogg, audio/mp4. */
    public Set<String> audioTypes() {
        Set<String> types = new LinkedHashSet<>();
        for (AudioTarget target : AudioTarget.values()) {
            if (encoders.contains(target.encoder)) {
                types.add(target.type);
            }
        }
        return types;
    }

    /**
     * {@code src} as MP4 (H.264 main profile, yuv420p, even dimensions, AAC, {@code +faststart} so a player can
     * start before the end arrives) of at most {@code maxBytes}. The shorter edge is held to 720 px, and to 480,
     * 360 or 240 px as the bitrate the limit allows falls; metadata (a phone's GPS position) is dropped.
     *
     * @throws IOException with ffmpeg's or ffprobe's message when the input is unreadable, or saying why the
     *     limit cannot be met (too long for its size, or still too big after the retry)
     */
    public Converted toMp4(Path src, long maxBytes, Path outDir) throws IOException {
        if (!canWriteMp4()) {
            throw new IOException("this ffmpeg (" + version + ") lacks libx264 or aac: cannot write MP4/H.264");
        }
        MediaProbe in = MediaProbe.of(ffprobe, src, PROBE_TIMEOUT);
        if (!in.hasVideo()) {
            throw new IOException(src.getFileName() + " has no video stream");
        }
        double seconds = requireDuration(in, src);
        int totalKbps = (int) (maxBytes * 8 * PAYLOAD_SHARE / seconds / 1000);
        int audioKbps = !in.hasAudio() ? 0 : totalKbps >= 400 ? 96 : totalKbps >= 150 ? 48 : 24;
        int videoKbps = totalKbps - audioKbps;
        if (videoKbps < MIN_VIDEO_KBPS) {
            long needed = (long) Math.ceil((MIN_VIDEO_KBPS + audioKbps) * 1000.0 * seconds / 8 / PAYLOAD_SHARE);
            throw new IOException(String.format(
                    Locale.ROOT,
                    "%s lasts %.1f s: it needs at least %d bytes as MP4 (%d kbps), the limit is %d bytes",
                    src.getFileName(),
                    seconds,
                    needed,
                    MIN_VIDEO_KBPS + audioKbps,
                    maxBytes));
        }
        Path out = newFile(outDir, "video-", ".mp4");
        try {
            long size = encode(videoArguments(src, in, videoKbps, audioKbps, out));
            if (size > maxBytes) {
                int retryKbps = (int) (videoKbps * (maxBytes * 0.9 / size));
                if (retryKbps < MIN_VIDEO_KBPS) {
                    throw new IOException(tooBig(src, size, maxBytes, videoKbps + " kbps video"));
                }
                size = encode(videoArguments(src, in, retryKbps, audioKbps, out));
                if (size > maxBytes) {
                    throw new IOException(tooBig(src, size, maxBytes, "a retry at " + retryKbps + " kbps video"));
                }
            }
            MediaProbe result = MediaProbe.of(ffprobe, out, PROBE_TIMEOUT);
            return new Converted(out, "video/mp4", size, result.width(), result.height());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    /**
     * The first audio stream of {@code src} (audio or video) as {@code targetType} — one of {@link #audioTypes()}
     * — of at most {@code maxBytes}, at the highest bitrate the limit allows up to the codec's useful maximum.
     *
     * @throws IllegalArgumentException when {@code targetType} is not one of {@link #audioTypes()}
     * @throws IOException with ffmpeg's or ffprobe's message when the input is unreadable, or saying why the
     *     limit cannot be met
     */
    public Converted toAudio(Path src, String targetType, long maxBytes, Path outDir) throws IOException {
        AudioTarget target = AudioTarget.of(targetType)
                .filter(t -> encoders.contains(t.encoder))
                .orElseThrow(() -> new IllegalArgumentException(
                        "cannot write " + targetType + " with this ffmpeg; it writes " + audioTypes()));
        MediaProbe in = MediaProbe.of(ffprobe, src, PROBE_TIMEOUT);
        if (!in.hasAudio()) {
            throw new IOException(src.getFileName() + " has no audio stream");
        }
        double seconds = requireDuration(in, src);
        int kbps = (int) Math.min(target.maxKbps, maxBytes * 8 * PAYLOAD_SHARE / seconds / 1000);
        if (kbps < target.minKbps) {
            throw new IOException(String.format(
                    Locale.ROOT,
                    "%s lasts %.1f s: as %s it needs at least %d kbps, which the limit of %d bytes does not allow",
                    src.getFileName(),
                    seconds,
                    target.type,
                    target.minKbps,
                    maxBytes));
        }
        Path out = newFile(outDir, "audio-", target.extension);
        try {
            long size = encode(audioArguments(src, target, kbps, out));
            if (size > maxBytes) {
                int retryKbps = (int) (kbps * (maxBytes * 0.9 / size));
                if (retryKbps < target.minKbps) {
                    throw new IOException(tooBig(src, size, maxBytes, kbps + " kbps"));
                }
                size = encode(audioArguments(src, target, retryKbps, out));
                if (size > maxBytes) {
                    throw new IOException(tooBig(src, size, maxBytes, "a retry at " + retryKbps + " kbps"));
                }
            }
            return new Converted(out, target.type, size, 0, 0);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    /**
     * One frame of {@code src}'s video as a PNG no wider than {@code width}, for a thumbnail: taken a third of
     * the way in (at most a second), past the black or fade a clip often starts with. The decode seeks in
     * the input, so a long video costs no more than a short one.
     *
     * @throws IOException with ffmpeg's or ffprobe's message when the file has no readable video frame
     */
    public Path posterFrame(Path src, int width, Path outDir) throws IOException {
        MediaProbe in = MediaProbe.of(ffprobe, src, PROBE_TIMEOUT);
        if (!in.hasVideo()) {
            throw new IOException(src.getFileName() + " has no video stream");
        }
        double at = in.seconds() > 0 ? Math.min(1.0, in.seconds() / 3) : 0;
        Path out = newFile(outDir, "frame-", ".png");
        try {
            List<String> args = new ArrayList<>(List.of(
                    ffmpeg,
                    "-nostdin",
                    "-y",
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-ss",
                    String.format(Locale.ROOT, "%.3f", at),
                    "-i",
                    src.toString()));
            args.addAll(List.of("-map", "0:v:0", "-frames:v", "1", "-an", "-sn", "-dn"));
            args.addAll(List.of("-vf", "scale=w=min(iw\\," + width + "):h=-2", "-f", "image2", "-c:v", "png"));
            args.add(out.toString());
            if (encode(args) == 0) {
                throw new IOException("ffmpeg found no video frame in " + src.getFileName());
            }
            return out;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    private List<String> videoArguments(Path src, MediaProbe in, int videoKbps, int audioKbps, Path out) {
        int edge = videoKbps >= 1500 ? 720 : videoKbps >= 700 ? 480 : videoKbps >= 300 ? 360 : 240;
        String even = "trunc(min(%s\\,%d)/2)*2";
        String scale = in.width() >= in.height()
                ? "scale=w=-2:h=" + String.format(Locale.ROOT, even, "ih", edge)
                : "scale=w=" + String.format(Locale.ROOT, even, "iw", edge) + ":h=-2";
        List<String> args = start(src);
        args.addAll(List.of("-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1", "-sn", "-dn"));
        args.addAll(List.of("-vf", scale, "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main"));
        args.addAll(List.of("-pix_fmt", "yuv420p", "-b:v", videoKbps + "k"));
        args.addAll(List.of("-maxrate", videoKbps * 3 / 2 + "k", "-bufsize", videoKbps * 2 + "k"));
        if (audioKbps > 0) {
            args.addAll(List.of("-c:a", "aac", "-b:a", audioKbps + "k", "-ac", audioKbps < 64 ? "1" : "2"));
        }
        args.addAll(List.of("-movflags", "+faststart", "-f", "mp4", out.toString()));
        return args;
    }

    private List<String> audioArguments(Path src, AudioTarget target, int kbps, Path out) {
        List<String> args = start(src);
        args.addAll(List.of("-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1"));
        args.addAll(target.arguments(kbps));
        args.addAll(List.of("-f", target.muxer, out.toString()));
        return args;
    }

    private List<String> start(Path src) {
        return new ArrayList<>(
                List.of(ffmpeg, "-nostdin", "-y", "-hide_banner", "-loglevel", "error", "-i", src.toString()));
    }

    /** Runs one ffmpeg command and returns the size of the file it wrote (its last argument). */
    private long encode(List<String> args) throws IOException {
        ToolRun run = ToolRun.run(args, timeout);
        Path out = Path.of(args.getLast());
        if (!run.ok()) {
            throw new IOException("ffmpeg could not convert "
                    + Path.of(args.get(args.indexOf("-i") + 1)).getFileName() + ": " + run.failure());
        }
        return Files.size(out);
    }

    private static double requireDuration(MediaProbe in, Path src) throws IOException {
        if (!(in.seconds() > 0)) {
            throw new IOException("ffprobe reports no duration for " + src.getFileName()
                    + ": its bitrate cannot be fitted to a size limit");
        }
        return in.seconds();
    }

    private static String tooBig(Path src, long size, long maxBytes, String attempt) {
        return src.getFileName() + " is still " + size + " bytes after " + attempt + ", over the limit of " + maxBytes;
    }

    private static Path newFile(Path outDir, String prefix, String extension) throws IOException {
        Files.createDirectories(outDir);
        return Files.createTempFile(outDir, prefix, extension);
    }

    static Set<String> encoders(String listing) {
        Set<String> names = new LinkedHashSet<>();
        listing.lines().map(ENCODER_LINE::matcher).filter(m -> m.matches()).forEach(m -> names.add(m.group(1)));
        return names;
    }

    /** {@code ffprobe} where {@code ffmpeg} is: beside a configured path, else on the PATH. */
    static String siblingProbe(String ffmpeg) {
        Path path = Path.of(ffmpeg);
        if (path.getParent() == null) {
            return "ffprobe";
        }
        return path.resolveSibling(path.getFileName().toString().replace("ffmpeg", "ffprobe"))
                .toString();
    }
}
