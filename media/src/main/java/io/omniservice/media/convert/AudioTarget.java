package io.omniservice.media.convert;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The audio types ffmpeg can write for a carrier, each with the encoder it needs and the bitrates that encoder
 * takes. Below {@code minKbps} the encoder refuses or the speech is no longer intelligible.
 */
enum AudioTarget {
    MP3("audio/mpeg", "libmp3lame", "mp3", ".mp3", 8, 128),
    OGG_OPUS("audio/ogg", "libopus", "ogg", ".ogg", 6, 96),
    M4A_AAC("audio/mp4", "aac", "mp4", ".m4a", 16, 128);

    final String type;
    final String encoder;
    final String muxer;
    final String extension;
    final int minKbps;
    final int maxKbps;

    AudioTarget(String type, String encoder, String muxer, String extension, int minKbps, int maxKbps) {
        this.type = type;
        this.encoder = encoder;
        this.muxer = muxer;
        this.extension = extension;
        this.minKbps = minKbps;
        this.maxKbps = maxKbps;
    }

    static Optional<AudioTarget> of(String type) {
        String wanted = type == null ? "" : type.toLowerCase(Locale.ROOT).trim();
        for (AudioTarget target : values()) {
            if (target.type.equals(wanted)) {
                return Optional.of(target);
            }
        }
        return Optional.empty();
    }

    /**
     * The encoder arguments for {@code kbps}. Low MP3 bitrates need a lower sample rate (MPEG-1 layer 3 starts at
     * 32 kbps, MPEG-2 at 8 kbps), and every codec spends a low bitrate better on one channel than on two.
     */
    List<String> arguments(int kbps) {
        List<String> args = new ArrayList<>(List.of("-c:a", encoder, "-b:a", kbps + "k"));
        if (kbps < 64) {
            args.addAll(List.of("-ac", "1"));
        }
        if (this == MP3) {
            args.addAll(List.of("-ar", kbps >= 64 ? "44100" : kbps >= 24 ? "22050" : "11025"));
        }
        if (this == M4A_AAC) {
            args.addAll(List.of("-movflags", "+faststart"));
        }
        return args;
    }
}
