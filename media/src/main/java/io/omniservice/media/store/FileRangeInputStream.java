package io.omniservice.media.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * Reads one byte range of a file and then reports the end, so a caller serving a {@code Range} request
 * can copy the stream whole without counting bytes itself. Owns the channel and closes it.
 */
final class FileRangeInputStream extends InputStream {
    private final FileChannel channel;
    private long position;
    private long remaining;

    /** @param length how many bytes to read from {@code offset}; fewer when the file ends first */
    FileRangeInputStream(FileChannel channel, long offset, long length) {
        this.channel = Objects.requireNonNull(channel);
        this.position = offset;
        this.remaining = length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buffer.length);
        if (len == 0) {
            return 0;
        }
        if (remaining <= 0) {
            return -1;
        }
        ByteBuffer target = ByteBuffer.wrap(buffer, off, (int) Math.min(len, remaining));
        // Positional reads leave the channel's own position alone, so nothing here depends on it.
        int read = channel.read(target, position);
        if (read < 0) {
            remaining = 0;
            return -1;
        }
        position += read;
        remaining -= read;
        return read;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = Math.max(0, Math.min(n, Math.min(remaining, channel.size() - position)));
        position += skipped;
        remaining -= skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, Math.min(remaining, channel.size() - position)));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
