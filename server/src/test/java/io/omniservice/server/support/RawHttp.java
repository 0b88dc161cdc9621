package io.omniservice.server.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Speaks HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} cannot do: send the head
 * and only part of a body, then read the answer without ever finishing the upload.
 */
public final class RawHttp {
    private RawHttp() {}

    /** Sends {@code head} (CRLF lines, ending with an empty line) and {@code partialBody}; returns the whole answer. */
    public static String exchange(int port, String head, byte[] partialBody) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(partialBody);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = in.read(buffer)) != -1; ) {
                    answer.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // The server answered and stopped reading: what it sent so far is the answer.
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
