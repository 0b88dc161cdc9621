package io.omniservice.media.convert;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import javax.imageio.stream.ImageOutputStreamImpl;

/**
 * An in-memory {@code ImageOutputStream} that gives up as soon as the encoded image passes {@code limit} bytes,
 * so a too-large attempt costs only the part written so far. Seekable, because the PNG writer goes back to
 * fill in chunk lengths.
 */
final class BoundedImageOutput extends ImageOutputStreamImpl {
    /** Thrown into the image writer when the limit is passed; {@link #overflowed()} tells the caller afterwards. */
    static final class LimitPassed extends IOException {
        LimitPassed(long limit) {
            super("encoded image passed " + limit + " bytes");
        }
    }

    private final long limit;
    private byte[] buffer = new byte[64 * 1024];
    private int length;
    private boolean overflowed;

    BoundedImageOutput(long limit) {
        this.limit = limit;
    }

    boolean overflowed() {
        return overflowed;
    }

    @Override
    public void write(int b) throws IOException {
        ensure(streamPos + 1);
        buffer[(int) streamPos++] = (byte) b;
        length = Math.max(length, (int) streamPos);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ensure(streamPos + len);
        System.arraycopy(b, off, buffer, (int) streamPos, len);
        streamPos += len;
        length = Math.max(length, (int) streamPos);
    }

    private void ensure(long size) throws IOException {
        bitOffset = 0;
        if (size > limit || size > Integer.MAX_VALUE - 8) {
            overflowed = true;
            throw new LimitPassed(limit);
        }
        if (size > buffer.length) {
            buffer = Arrays.copyOf(buffer, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(size, 2L * buffer.length)));
        }
    }

    @Override
    public int read() {
        bitOffset = 0;
        return streamPos < length ? buffer[(int) streamPos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        bitOffset = 0;
        if (streamPos >= length) {
            return -1;
        }
        int n = (int) Math.min(len, length - streamPos);
        System.arraycopy(buffer, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return length;
    }

    long size() {
        return length;
    }

    void writeTo(OutputStream out) throws IOException {
        out.write(buffer, 0, length);
    }
}
