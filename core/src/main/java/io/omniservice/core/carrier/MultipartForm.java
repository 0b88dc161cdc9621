package io.omniservice.core.carrier;

import java.io.FileNotFoundException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A {@code multipart/form-data} body (RFC 7578) for carriers' file uploads (WhatsApp's media upload,
 * LiveChat's {@code upload_file}): text fields and one file part whose bytes are streamed from disk by the
 * HTTP client, so a 100 MB document is never held in memory.
 * The boundary is random per body, so no file's bytes can end a part early.
 */
public final class MultipartForm {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String boundary;
    private final List<HttpRequest.BodyPublisher> parts = new ArrayList<>();

    public MultipartForm() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        this.boundary = "omniservice-" + HexFormat.of().formatHex(bytes);
    }

    public String boundary() {
        return boundary;
    }

    /** The request's {@code Content-Type}, naming the boundary. */
    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    public MultipartForm field(String name, String value) {
        parts.add(ascii(head(name, null, null)));
        parts.add(HttpRequest.BodyPublishers.ofByteArray(value.getBytes(StandardCharsets.UTF_8)));
        parts.add(ascii("\r\n"));
        return this;
    }

    /** A file part; the file is opened now (so a missing file fails here) and read as the body is sent. */
    public MultipartForm file(String name, String filename, String contentType, Path file)
            throws FileNotFoundException {
        HttpRequest.BodyPublisher bytes = HttpRequest.BodyPublishers.ofFile(file);
        parts.add(ascii(head(name, filename, contentType)));
        parts.add(bytes);
        parts.add(ascii("\r\n"));
        return this;
    }

    /**
     * The file part for a stored attachment, under its own filename and type (else the file's name and
     * {@code application/octet-stream}).
     *
     * @throws IllegalStateException when the file is gone: the pipeline hands over a file it just wrote
     */
    public MultipartForm attachment(String name, io.omniservice.core.model.MediaItem item, Path file) {
        String filename = item.filename() == null || item.filename().isBlank()
                ? String.valueOf(file.getFileName())
                : item.filename();
        try {
            return file(name, filename, contentTypeOf(item), file);
        } catch (FileNotFoundException e) {
            throw new IllegalStateException("the converted file to upload is missing: " + file, e);
        }
    }

    /** An attachment's type as an upload names it: its detected type, else {@code application/octet-stream}. */
    public static String contentTypeOf(io.omniservice.core.model.MediaItem item) {
        return item.contentType() == null || item.contentType().isBlank()
                ? "application/octet-stream"
                : item.contentType();
    }

    /** The whole body; its length is known (every part's is), so it goes with a {@code Content-Length}. */
    public HttpRequest.BodyPublisher publisher() {
        List<HttpRequest.BodyPublisher> all = new ArrayList<>(parts);
        all.add(ascii("--" + boundary + "--\r\n"));
        return HttpRequest.BodyPublishers.concat(all.toArray(HttpRequest.BodyPublisher[]::new));
    }

    private String head(String name, String filename, String contentType) {
        StringBuilder head = new StringBuilder()
                .append("--")
                .append(boundary)
                .append("\r\nContent-Disposition: form-data; name=\"")
                .append(quoted(name))
                .append('"');
        if (filename != null) {
            head.append("; filename=\"").append(quoted(filename)).append('"');
        }
        head.append("\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        return head.append("\r\n").toString();
    }

    /**
     * A parameter value inside double quotes: RFC 7578 (4.2) has quotes and line breaks percent-encoded, so a
     * file named {@code a".jpg} or with a newline cannot break the header; other characters go as UTF-8.
     */
    public static String quoted(String value) {
        return value.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static HttpRequest.BodyPublisher ascii(String text) {
        return HttpRequest.BodyPublishers.ofByteArray(text.getBytes(StandardCharsets.UTF_8));
    }
}
