package io.omniservice.media;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Whether a file of a detected type is whole. The format's head is what detection reads, so a download
 * cut short still detects as its type; these formats say where they end, and a truncated file does not
 * end there. Images that decode partially (a JPEG's lower half grey) would otherwise be stored as if fine.
 */
final class Completeness {
    private static final int TAIL = 1024;

    private Completeness() {}

    /** A sentence saying what is missing, or empty when the file ends as its format says it must. */
    static Optional<String> problem(Path file, String type) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            return switch (type) {
                case "image/jpeg" ->
                    endsWith(channel, size, new byte[] {(byte) 0xFF, (byte) 0xD9}, TAIL)
                            ? Optional.empty()
                            : Optional.of("truncated JPEG: no end-of-image marker");
                case "image/png" ->
                    endsWith(channel, size, new byte[] {'I', 'E', 'N', 'D'}, 16)
                            ? Optional.empty()
                            : Optional.of("truncated PNG: no IEND chunk");
                case "image/gif" ->
                    endsWith(channel, size, new byte[] {0x3B}, 16)
                            ? Optional.empty()
                            : Optional.of("truncated GIF: no trailer");
                case "image/webp" ->
                    riffComplete(channel, size)
                            ? Optional.empty()
                            : Optional.of("truncated WebP: shorter than its RIFF header says");
                case "application/pdf" ->
                    endsWith(channel, size, "%%EOF".getBytes(java.nio.charset.StandardCharsets.US_ASCII), TAIL)
                            ? Optional.empty()
                            : Optional.of("truncated PDF: no %%EOF marker");
                default -> Optional.empty();
            };
        }
    }

    /** Whether {@code marker} occurs within the last {@code window} bytes (trailing padding is common). */
    private static boolean endsWith(FileChannel channel, long size, byte[] marker, int window) throws IOException {
        int length = (int) Math.min(size, window);
        ByteBuffer tail = ByteBuffer.allocate(length);
        channel.read(tail, size - length);
        byte[] bytes = tail.array();
        outer:
        for (int i = bytes.length - marker.length; i >= 0; i--) {
            for (int j = 0; j < marker.length; j++) {
                if (bytes[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean riffComplete(FileChannel channel, long size) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(header, 0);
        long declared = Integer.toUnsignedLong(header.getInt(4)) + 8;
        return size >= declared;
    }
}
