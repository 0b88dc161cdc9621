package io.omniservice.media.convert;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What ffprobe says about a media file: its duration and its first video stream's size, and whether it has sound. */
record MediaProbe(double seconds, boolean hasVideo, boolean hasAudio, int width, int height) {

    /** Runs {@code ffprobe} on {@code file}; an IOException carries ffprobe's message when it cannot read it. */
    static MediaProbe of(String ffprobe, Path file, Duration timeout) throws IOException {
        ToolRun run = ToolRun.run(
                List.of(
                        ffprobe,
                        "-v",
                        "error",
                        "-show_entries",
                        "format=duration:stream=codec_type,width,height",
                        "-of",
                        "default=noprint_wrappers=1",
                        file.toString()),
                timeout);
        if (!run.ok()) {
            throw new IOException("ffprobe cannot read " + file.getFileName() + ": " + run.failure());
        }
        return parse(run.stdout());
    }

    /** Parses ffprobe's {@code key=value} lines; streams come first, the format's duration last. */
    static MediaProbe parse(String output) {
        double seconds = 0;
        boolean video = false;
        boolean audio = false;
        boolean inVideo = false;
        int width = 0;
        int height = 0;
        for (String line : output.split("\\R")) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            switch (key) {
                case "codec_type" -> {
                    inVideo = value.equals("video") && !video;
                    video |= value.equals("video");
                    audio |= value.equals("audio");
                }
                case "width" -> width = inVideo ? number(value, width) : width;
                case "height" -> height = inVideo ? number(value, height) : height;
                case "duration" -> {
                    try {
                        seconds = Double.parseDouble(value);
                    } catch (NumberFormatException e) {
                        seconds = 0; // "N/A" for a stream without a known length
                    }
                }
                default -> {}
            }
        }
        return new MediaProbe(seconds, video, audio, width, height);
    }

    private static int number(String value, int fallback) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
