package io.omniservice.media.check;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One conversation with clamd over TCP or a Unix domain socket. A non-blocking channel with a selector,
 * because a blocking {@link SocketChannel} has no read timeout and a hung clamd must not hang the scan.
 */
final class ClamdConnection implements AutoCloseable {
    private static final int MAX_REPLY_BYTES = 4096;

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final long timeoutMillis;
    private final String peer;

    private ClamdConnection(SocketChannel channel, Selector selector, Duration timeout, String peer)
            throws IOException {
        this.channel = channel;
        this.selector = selector;
        this.key = channel.register(selector, 0);
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.peer = peer;
    }

    static ClamdConnection open(ClamdTarget target, Duration connectTimeout, Duration readTimeout) throws IOException {
        SocketAddress address = target.socketAddress();
        if (address instanceof InetSocketAddress inet && inet.isUnresolved()) {
            throw new UnknownHostException("clamd host " + inet.getHostString() + " does not resolve");
        }
        SocketChannel channel = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX)
                : SocketChannel.open();
        Selector selector = null;
        try {
            channel.configureBlocking(false);
            selector = Selector.open();
            ClamdConnection connection = new ClamdConnection(channel, selector, readTimeout, target.toString());
            if (!channel.connect(address)) {
                connection.key.interestOps(SelectionKey.OP_CONNECT);
                if (selector.select(Math.max(1, connectTimeout.toMillis())) == 0) {
                    throw new SocketTimeoutException(
                            "no connection to clamd at " + target + " within " + connectTimeout.toMillis() + " ms");
                }
                selector.selectedKeys().clear();
                channel.finishConnect();
            }
            return connection;
        } catch (IOException | RuntimeException e) {
            channel.close();
            if (selector != null) {
                selector.close();
            }
            throw e;
        }
    }

    void write(String command) throws IOException {
        write(ByteBuffer.wrap(command.getBytes(StandardCharsets.US_ASCII)));
    }

    void write(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                await(SelectionKey.OP_WRITE, "accept more of the stream");
            }
        }
    }

    /** The reply up to its terminating NUL (or the end of the connection), without the NUL. */
    String readReply() throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(512);
        while (true) {
            int n = channel.read(buffer);
            if (n < 0) {
                break;
            }
            if (n == 0) {
                await(SelectionKey.OP_READ, "reply");
                continue;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == 0) {
                    return reply.toString(StandardCharsets.US_ASCII);
                }
                reply.write(b);
            }
            buffer.clear();
            if (reply.size() > MAX_REPLY_BYTES) {
                throw new IOException("clamd at " + peer + " sent a reply of more than " + MAX_REPLY_BYTES + " bytes");
            }
        }
        if (reply.size() == 0) {
            throw new IOException("clamd at " + peer + " closed the connection without a reply");
        }
        return reply.toString(StandardCharsets.US_ASCII);
    }

    private void await(int operation, String what) throws IOException {
        key.interestOps(operation);
        int ready = selector.select(timeoutMillis);
        selector.selectedKeys().clear();
        key.interestOps(0);
        if (ready == 0) {
            throw new SocketTimeoutException(
                    "clamd at " + peer + " did not " + what + " within " + timeoutMillis + " ms");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
