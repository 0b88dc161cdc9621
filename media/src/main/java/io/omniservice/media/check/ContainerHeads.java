package io.omniservice.media.check;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * Reads what Tika's magic leaves open from a file's first bytes: which ISO media family a file is (Tika
 * 3.3 calls an {@code isom} MP4 "video/quicktime"), and whether an Ogg stream carries Opus or Vorbis
 * audio (Tika 3.3 calls ffmpeg's Opus files "application/ogg").
 */
final class ContainerHeads {
    private static final Set<String> MP4_BRANDS = Set.of(
            "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42", "mp71", "avc1",
            "M4V ", "M4VH", "M4VP", "dash", "mmp4", "MSNV");
    private static final Set<String> MP4_AUDIO_BRANDS = Set.of("M4A ", "M4B ", "M4P ");
    private static final byte[] OPUS_HEAD = "OpusHead".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VORBIS_HEAD = "\u0001vorbis".getBytes(StandardCharsets.US_ASCII);

    private ContainerHeads() {}

    /** From the {@code ftyp} box's major brand: MP4, 3GPP, 3GPP2, QuickTime or MPEG-4 audio; empty when unsure. */
    static Optional<String> isoMedia(byte[] head) {
        if (head.length < 12 || !ascii(head, 4).equals("ftyp")) {
            return Optional.empty();
        }
        String major = ascii(head, 8);
        if (major.startsWith("3g2")) {
            return Optional.of("video/3gpp2");
        }
        if (major.startsWith("3g")) {
            return Optional.of(MediaTypes.THREE_GPP);
        }
        if (major.equals("qt  ")) {
            return Optional.of(MediaTypes.QUICKTIME);
        }
        if (MP4_AUDIO_BRANDS.contains(major)) {
            return Optional.of("audio/mp4");
        }
        if (MP4_BRANDS.contains(major)) {
            return Optional.of(MediaTypes.MP4);
        }
        return Optional.empty();
    }

    /** {@code audio/ogg} when the first packet of the first Ogg page is an Opus or Vorbis header; else empty. */
    static Optional<String> oggAudio(byte[] head) {
        if (head.length < 27 || !ascii(head, 0).equals("OggS")) {
            return Optional.empty();
        }
        // The page header is 27 bytes, then one lacing byte per segment, then the first packet.
        int packet = 27 + (head[26] & 0xFF);
        if (startsWith(head, packet, OPUS_HEAD) || startsWith(head, packet, VORBIS_HEAD)) {
            return Optional.of(MediaTypes.OGG_AUDIO);
        }
        return Optional.empty();
    }

    private static String ascii(byte[] bytes, int offset) {
        return new String(bytes, offset, 4, StandardCharsets.ISO_8859_1);
    }

    private static boolean startsWith(byte[] bytes, int offset, byte[] prefix) {
        return bytes.length >= offset + prefix.length
                && Arrays.equals(bytes, offset, offset + prefix.length, prefix, 0, prefix.length);
    }
}
