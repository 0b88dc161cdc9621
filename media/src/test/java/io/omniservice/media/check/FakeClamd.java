package io.omniservice.media.check;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Plays clamd on a socket for the wire-format tests: it records what the client sent (the command, each
 * INSTREAM chunk's length, the bytes) and answers as told, so the protocol is checked without ClamAV.
 */
final class FakeClamd implements AutoCloseable {
    enum Behaviour {
        /** Read the whole stream, then answer. */
        ANSWER,
        /** Answer after the first chunk, then stop listening, as clamd does past StreamMaxLength. */
        ANSWER_EARLY,
        /** Read the whole stream, then close without a word. */
        HANG_UP,
        /** Read the whole stream, then say nothing until the client gives up. */
        STAY_SILENT
    }

    record Session(String command, List<Integer> chunkLengths, byte[] content) {}

    private final ServerSocketChannel server;
    private final Behaviour behaviour;
    private final String reply;
    private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
    private final ClamdTarget target;
    private final Thread acceptor;

    private FakeClamd(ServerSocketChannel server, ClamdTarget target, Behaviour behaviour, String reply) {
        this.server = server;
        this.target = target;
        this.behaviour = behaviour;
        this.reply = reply;
        this.acceptor = Thread.ofPlatform().daemon().name("fake-clamd").start(this::serve);
    }

    static FakeClamd tcp(Behaviour behaviour, String reply) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        return new FakeClamd(server, new ClamdTarget.Tcp("127.0.0.1", port), behaviour, reply);
    }

    static FakeClamd unix(Path socket, Behaviour behaviour, String reply) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return new FakeClamd(server, new ClamdTarget.Unix(socket), behaviour, reply);
    }

    ClamdTarget target() {
        return target;
    }

    Session session() throws InterruptedException {
        Session session = sessions.poll(5, TimeUnit.SECONDS);
        if (session == null) {
            throw new AssertionError("the fake clamd saw no complete session");
        }
        return session;
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel client = server.accept()) {
                converse(client);
            } catch (IOException | InterruptedException e) {
                // the server closed, or the client went away mid-session: the test asserts on what it saw
            }
        }
    }

    private void converse(SocketChannel client) throws IOException, InterruptedException {
        String command = readCommand(client);
        List<Integer> lengths = new ArrayList<>();
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        if (command.equals("zINSTREAM")) {
            while (true) {
                int length = readFully(client, 4).getInt();
                lengths.add(length);
                if (length == 0) {
                    break;
                }
                content.write(readFully(client, length).array());
                if (behaviour == Behaviour.ANSWER_EARLY) {
                    send(client, reply);
                    client.shutdownOutput();
                    drain(client);
                    sessions.add(new Session(command, lengths, content.toByteArray()));
                    return;
                }
            }
        }
        sessions.add(new Session(command, lengths, content.toByteArray()));
        switch (behaviour) {
            case ANSWER -> send(client, reply);
            case HANG_UP -> {}
            case STAY_SILENT -> Thread.sleep(3_000);
            case ANSWER_EARLY -> send(client, reply);
        }
    }

    private static String readCommand(SocketChannel client) throws IOException {
        ByteArrayOutputStream command = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (client.read(one) < 0) {
                throw new EOFException("no command");
            }
            if (one.get(0) == 0) {
                return command.toString(StandardCharsets.US_ASCII);
            }
            command.write(one.get(0));
        }
    }

    private static ByteBuffer readFully(SocketChannel client, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (client.read(buffer) < 0) {
                throw new EOFException("stream ended inside a chunk");
            }
        }
        return buffer.flip();
    }

    private static void drain(SocketChannel client) throws IOException {
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        while (client.read(sink) >= 0) {
            sink.clear();
        }
    }

    private static void send(SocketChannel client, String text) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((text + "\0").getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            client.write(out);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
