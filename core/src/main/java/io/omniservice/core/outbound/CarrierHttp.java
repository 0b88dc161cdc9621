package io.omniservice.core.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP client every carrier sender calls its API through: one connection pool, one answer timeout,
 * and one translation of "no answer" (timeout, refused connection, reset) into a retryable
 * {@link SendFailure}, so carriers only map the answers they do get. Every request it sends carries the
 * W3C {@code traceparent} of the current span, and each {@link #post} is a client span of its own.
 */
public final class CarrierHttp {
    private final HttpClient client;
    private final Duration timeout;
    private final Tracing tracing;

    public CarrierHttp(HttpClient client, Duration timeout) {
        this(client, timeout, Tracing.OFF);
    }

    public CarrierHttp(HttpClient client, Duration timeout, Tracing tracing) {
        this.client = Objects.requireNonNull(client, "client");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.tracing = Objects.requireNonNull(tracing, "tracing");
    }

    /** A client of its own with this answer timeout (connecting gets the same bound). */
    public static CarrierHttp withTimeout(Duration timeout) {
        return withTimeout(timeout, Tracing.OFF);
    }

    /** A client of its own with this answer timeout, each call a client span of {@code tracing}. */
    public static CarrierHttp withTimeout(Duration timeout, Tracing tracing) {
        return new CarrierHttp(
                HttpClient.newBuilder()
                        // HTTP/1.1 keeps the pool predictable against every carrier and test double alike
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(timeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build(),
                timeout,
                tracing);
    }

    /** The client every carrier account shares, for requests {@link #post} does not build (lookups, streamed uploads). */
    public HttpClient client() {
        return client;
    }

    public Duration timeout() {
        return timeout;
    }

    /** An answer the carrier gave, whatever its status. */
    public record Response(int status, HttpHeaders headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /**
         * The answer as JSON; a missing node when it is not JSON (a proxy's HTML page, an empty 503), so
         * a carrier reads its fields with {@code path(...)} either way and falls back on the status.
         */
        public JsonNode json() {
            try {
                JsonNode root = Json.MAPPER.readTree(body);
                return root == null ? MissingNode.getInstance() : root;
            } catch (IOException e) {
                return MissingNode.getInstance();
            }
        }

        public boolean isSuccess() {
            return status >= 200 && status < 300;
        }

        /** The {@code Retry-After} the carrier sent (seconds or an HTTP date), or null. */
        public Duration retryAfter(Instant now) {
            return headers.firstValue("Retry-After")
                    .map(v -> parseRetryAfter(v, now))
                    .orElse(null);
        }
    }

    /**
     * POSTs a body and returns the answer.
     *
     * @throws SendFailure retryable {@code timeout} when no answer came in time, retryable {@code connection}
     *     when the carrier could not be reached or hung up
     */
    public Response post(URI uri, Map<String, String> headers, String contentType, byte[] body) throws SendFailure {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", contentType)
                .header("Accept", "application/json")
                .header("User-Agent", "Omniservice")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        // the URL without its query: some carriers' URLs name an account there
        Span span = tracing.span("POST", SpanKind.CLIENT, null)
                .setAttribute("http.request.method", "POST")
                .setAttribute("server.address", uri.getHost())
                .setAttribute("url.full", uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath())
                .startSpan();
        try (Tracing.Active active = Tracing.activate(span, null)) {
            try {
                Response response = exchange(client, request.build(), "the send");
                span.setAttribute("http.response.status_code", response.status());
                if (response.status() >= 400) {
                    span.setStatus(StatusCode.ERROR, "HTTP " + response.status());
                }
                return response;
            } catch (SendFailure f) {
                active.failed(f);
                throw f;
            }
        }
    }

    /**
     * Sends a request built elsewhere (a streamed upload, a lookup) on {@code client} and returns the
     * answer, failing the way {@link #post} does.
     *
     * @param what what the request is, for the interrupted message ({@code "the media upload"})
     * @throws SendFailure retryable {@code timeout}, {@code connection} or {@code interrupted}
     */
    public static Response exchange(HttpClient client, HttpRequest request, String what) throws SendFailure {
        String host = request.uri().getHost();
        request = traced(request);
        try {
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (HttpTimeoutException e) {
            throw SendFailure.retryable(
                    "timeout",
                    "no answer from " + host
                            + request.timeout().map(t -> " within " + t).orElse(""),
                    0,
                    null);
        } catch (ConnectException e) {
            throw SendFailure.retryable("connection", "could not connect to " + host, 0, null);
        } catch (IOException e) {
            throw SendFailure.retryable("connection", "connection to " + host + " failed: " + e, 0, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SendFailure.retryable("interrupted", what + " was interrupted", 0, null);
        }
    }

    /**
     * The slowest upload we wait for, beyond the answer timeout: 256 KiB/s, so a 100 MB document gets about
     * 6.5 minutes more. The request timeout covers sending the body as well as waiting for the answer.
     */
    private static final long MIN_UPLOAD_BYTES_PER_SECOND = 256 * 1024;

    /**
     * POSTs a multipart form whose file part streams from disk (a carrier's media upload), waiting
     * {@code timeout} plus the time the body takes at the slowest upload speed we accept.
     *
     * @param headers the carrier's own headers: its {@code Authorization}, and any it routes by
     * @param what what the upload is, for its failure messages
     */
    public static Response upload(
            HttpClient client,
            URI endpoint,
            Map<String, String> headers,
            io.omniservice.core.carrier.MultipartForm form,
            Duration timeout,
            String what)
            throws SendFailure {
        HttpRequest.BodyPublisher body = form.publisher();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(timeout.plusSeconds(Math.max(0, body.contentLength()) / MIN_UPLOAD_BYTES_PER_SECOND))
                .header("Content-Type", form.contentType())
                .header("Accept", "application/json")
                .header("User-Agent", "Omniservice")
                .POST(body);
        headers.forEach(request::header);
        return exchange(client, request.build(), what);
    }

    /** The request with the current span's {@code traceparent}; the same request when there is no span. */
    static HttpRequest traced(HttpRequest request) {
        Map<String, String> trace = new java.util.HashMap<>();
        Tracing.inject(trace::put);
        if (trace.isEmpty()) {
            return request;
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                request, (name, value) -> !trace.containsKey(name.toLowerCase(java.util.Locale.ROOT)));
        trace.forEach(builder::header);
        return builder.build();
    }

    /** {@code Basic base64(user:password)}. */
    public static String basicAuth(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code Retry-After} value: delta-seconds or an HTTP date; null when it is neither. */
    static Duration parseRetryAfter(String value, Instant now) {
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration wait = Duration.between(now, at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
