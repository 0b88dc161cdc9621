package io.omniservice.media.fetch;

import io.omniservice.core.carrier.MediaDownload;
import io.omniservice.core.net.AddressGuard;
import io.omniservice.core.net.AddressRefused;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one carrier attachment or client {@code mediaUrl} to a temp file, safely: every hop is checked
 * by the {@link AddressGuard}, redirects are followed here so none escapes that check, the carrier's
 * credentials go only to the original origin, and time, size and disk use are bounded by
 * {@link FetchLimits}. The body is streamed to disk (hashing as it goes), never held in memory. The HTTP
 * client resolves host names through the guard too ({@link AddressGuard#connectable}), so it connects only
 * to addresses checked at that moment.
 *
 * <p>Outcomes: a {@link Fetched} file; {@link FetchRefused} when trying again cannot help (address, URL,
 * 4xx, empty, too large); {@link IOException} when it might (timeouts, connection errors, 5xx, 408, 429),
 * after {@link FetchLimits#attempts()} tries. Thread-safe.
 */
public final class SafeFetcher {
    private static final Logger log = LoggerFactory.getLogger(SafeFetcher.class);
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(2);
    private static final int BUFFER_BYTES = 16 * 1024;

    private final AddressGuard guard;
    private final FetchLimits limits;
    private final Path tempDir;
    private final CloseableHttpClient client;

    public SafeFetcher(AddressGuard guard, FetchLimits limits, Path tempDir) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.tempDir = Objects.requireNonNull(tempDir, "tempDir");
        try {
            Files.createDirectories(tempDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the media download directory " + tempDir, e);
        }
        // No proxy (it would connect where the guard never looked), no automatic redirects, retries or
        // decompression (the size cap and digest are of the bytes sent), and a connection per download.
        Timeout connect = Timeout.of(limits.connectTimeout());
        this.client = GuardedDnsResolver.client(
                guard,
                ConnectionConfig.custom()
                        .setConnectTimeout(connect)
                        .setSocketTimeout(Timeout.of(limits.requestTimeout()))
                        .build(),
                256,
                64);
    }

    /**
     * Downloads {@code download.uri()}, sending {@code download.headers()} to its origin only.
     *
     * @return the file, which the caller closes (deleting it) when done
     * @throws FetchRefused when the URL, address, answer or body is refused for good
     * @throws IOException when the download failed {@code attempts} times in a way worth retrying later
     */
    public Fetched fetch(MediaDownload download) throws IOException, FetchRefused {
        URI start = download.uri();
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            IOException failure;
            Duration wait = backoff;
            try {
                return attempt(start, download.headers());
            } catch (InterruptedIOException e) {
                throw e;
            } catch (TransientStatus e) {
                failure = e;
                wait = e.retryAfter.orElse(backoff);
            } catch (IOException e) {
                failure = e;
            }
            if (attempt >= limits.attempts()) {
                throw new IOException(
                        "media from " + FetchRefused.hostOf(start) + " could not be fetched (" + attempt
                                + (attempt == 1 ? " attempt): " : " attempts): ") + describe(failure),
                        failure);
            }
            log.debug(
                    "media from {} failed (attempt {} of {}): {}; retrying in {} ms",
                    FetchRefused.hostOf(start),
                    attempt,
                    limits.attempts(),
                    describe(failure),
                    wait.toMillis());
            sleep(wait);
            backoff = backoff.multipliedBy(2);
        }
    }

    private Fetched attempt(URI start, Map<String, String> headers) throws IOException, FetchRefused {
        Instant deadline = Instant.now().plus(limits.requestTimeout());
        // the attempt's deadline covers every hop, the wait for headers and the body: at it, the request
        // in flight is cancelled, which closes its connection, so even a server dribbling bytes is cut off
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicReference<HttpGet> inFlight = new AtomicReference<>();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(
                () -> {
                    timedOut.set(true);
                    HttpGet request = inFlight.get();
                    if (request != null) {
                        request.cancel();
                    }
                },
                CompletableFuture.delayedExecutor(limits.requestTimeout().toMillis(), TimeUnit.MILLISECONDS));
        try {
            return follow(start, headers, deadline, timedOut, inFlight);
        } catch (IOException e) {
            if (timedOut.get()) {
                throw timeout(start);
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }

    private Fetched follow(
            URI start,
            Map<String, String> headers,
            Instant deadline,
            AtomicBoolean timedOut,
            AtomicReference<HttpGet> inFlight)
            throws IOException, FetchRefused {
        URI current = start;
        int redirects = 0;
        while (true) {
            try {
                guard.check(current);
            } catch (AddressRefused refused) {
                throw FetchRefused.of(current, refused);
            }
            boolean sameOrigin = sameOrigin(start, current);
            HttpGet request = request(current, sameOrigin ? headers : Map.of(), remaining(deadline, current));
            inFlight.set(request);
            if (timedOut.get()) {
                throw timeout(current);
            }
            log.debug(
                    "GET {} (hop {}, carrier headers {})",
                    origin(current),
                    redirects,
                    headers.isEmpty() ? "none" : sameOrigin ? "sent" : "dropped");
            CloseableHttpResponse response = send(request, current);
            try {
                int status = response.getCode();
                if (REDIRECTS.contains(status)) {
                    String location = header(response, "Location")
                            .orElseThrow(() -> FetchRefused.httpStatus(start, status, " without a Location"));
                    if (++redirects > limits.maxRedirects()) {
                        throw FetchRefused.of(
                                FetchRefused.TOO_MANY_REDIRECTS,
                                start,
                                "more than " + limits.maxRedirects() + " redirects");
                    }
                    current = redirectTarget(current, location);
                    continue;
                }
                if (status == 408 || status == 429 || status >= 500) {
                    throw new TransientStatus(current, status, retryAfter(header(response, "Retry-After")));
                }
                if (status == 204) {
                    throw FetchRefused.of(FetchRefused.EMPTY, current, "the server answered 204 No Content");
                }
                if (status != 200 && status != 203) {
                    throw FetchRefused.httpStatus(current, status, "");
                }
                long declared = header(response, "Content-Length")
                        .map(SafeFetcher::parseLength)
                        .orElse(-1L);
                if (declared > limits.maxBytes()) {
                    throw FetchRefused.of(
                            FetchRefused.TOO_LARGE,
                            current,
                            "the server declares " + declared + " bytes, over the limit of " + limits.maxBytes());
                }
                HttpEntity entity = response.getEntity();
                if (declared == 0 || entity == null) {
                    throw FetchRefused.of(FetchRefused.EMPTY, current, "the body is empty");
                }
                return store(
                        entity.getContent(),
                        declared,
                        header(response, "Content-Type").orElse(null),
                        current);
            } finally {
                // never reused; closing a body not read to its end would read the rest first (up to the
                // size cap, as slowly as the server likes), so the connection is cut instead
                request.cancel();
                closeQuietly(response);
            }
        }
    }

    private Fetched store(InputStream body, long declared, String declaredType, URI uri)
            throws IOException, FetchRefused {
        long started = System.nanoTime();
        Path temp = Files.createTempFile(tempDir, "fetch-", ".part");
        boolean kept = false;
        try (OutputStream out = Files.newOutputStream(temp)) {
            MessageDigest sha256 = sha256();
            byte[] buffer = new byte[BUFFER_BYTES];
            long size = 0;
            int n;
            try {
                while ((n = body.read(buffer)) != -1) {
                    size += n;
                    if (size > limits.maxBytes()) {
                        throw FetchRefused.of(
                                FetchRefused.TOO_LARGE,
                                uri,
                                "the body is over the limit of " + limits.maxBytes() + " bytes");
                    }
                    sha256.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            } catch (org.apache.hc.core5.http.ConnectionClosedException e) {
                // the client's own check of Content-Length: the connection closed before the whole body came
                throw new IOException("media from " + FetchRefused.hostOf(uri) + ": the body ended after " + size
                        + " of " + declared + " bytes");
            }
            if (declared > 0 && size != declared) {
                throw new IOException("media from " + FetchRefused.hostOf(uri) + ": the body ended after " + size
                        + " of " + declared + " bytes");
            }
            if (size == 0) {
                throw FetchRefused.of(FetchRefused.EMPTY, uri, "the body is empty");
            }
            kept = true;
            log.info(
                    "fetched {} bytes from {} in {} ms",
                    size,
                    origin(uri),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return new Fetched(temp, HexFormat.of().formatHex(sha256.digest()), size, declaredType, uri);
        } finally {
            if (!kept) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private HttpGet request(URI uri, Map<String, String> headers, Duration timeout) throws FetchRefused {
        try {
            HttpGet request = new HttpGet(uri);
            request.setConfig(RequestConfig.custom()
                    .setResponseTimeout(Timeout.of(timeout))
                    .build());
            headers.forEach(request::addHeader);
            return request;
        } catch (IllegalArgumentException e) {
            throw FetchRefused.of(FetchRefused.BAD_URL, uri, "the request cannot be made: " + e.getMessage());
        }
    }

    /**
     * Sends one request. A refusal the guard made while the client resolved the host comes out as that
     * refusal; the client's timeouts come out as retryable {@link HttpTimeoutException}s, since only a real
     * interruption of this thread may surface as an {@link InterruptedIOException}.
     */
    private CloseableHttpResponse send(HttpGet request, URI uri) throws IOException, FetchRefused {
        try {
            return client.execute(request);
        } catch (AddressGuard.RefusedHost e) {
            throw FetchRefused.of(uri, e.refusal());
        } catch (InterruptedIOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            HttpTimeoutException timeout = new HttpTimeoutException(
                    "no answer from " + FetchRefused.hostOf(uri) + " in time: " + e.getMessage());
            timeout.initCause(e);
            throw timeout;
        }
    }

    private static Optional<String> header(CloseableHttpResponse response, String name) {
        Header header = response.getFirstHeader(name);
        return header == null ? Optional.empty() : Optional.ofNullable(header.getValue());
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static URI redirectTarget(URI current, String location) throws FetchRefused {
        try {
            // URI.resolve mishandles a relative reference against a base with an empty path.
            URI base = current.getRawPath() == null || current.getRawPath().isEmpty() ? current.resolve("/") : current;
            return base.resolve(new URI(location.strip()));
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw FetchRefused.of(FetchRefused.BAD_URL, current, "the redirect's Location is not a valid URL");
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme()))
                && Objects.equals(lower(a.getHost()), lower(b.getHost()))
                && port(a) == port(b);
    }

    private static String origin(URI uri) {
        return lower(uri.getScheme()) + "://" + uri.getHost() + ":" + port(uri);
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equals(lower(uri.getScheme())) ? 443 : 80;
    }

    private static String lower(String text) {
        return text == null ? null : text.toLowerCase(Locale.ROOT);
    }

    private Duration remaining(Instant deadline, URI uri) throws HttpTimeoutException {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw timeout(uri);
        }
        return left;
    }

    private HttpTimeoutException timeout(URI uri) {
        return new HttpTimeoutException("no complete answer from " + FetchRefused.hostOf(uri) + " within "
                + limits.requestTimeout().toMillis() + " ms");
    }

    /** Retry-After in seconds or as an HTTP date, capped: a long wait belongs to the caller's queue, not here. */
    private static Optional<Duration> retryAfter(Optional<String> header) {
        return header.flatMap(value -> {
            Duration wait;
            try {
                wait = Duration.ofSeconds(Long.parseLong(value.strip()));
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                    wait = Duration.between(Instant.now(), at.toInstant());
                } catch (DateTimeParseException notDate) {
                    return Optional.empty();
                }
            }
            if (wait.isNegative()) {
                return Optional.of(Duration.ZERO);
            }
            return Optional.of(wait.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : wait);
        });
    }

    private static void sleep(Duration wait) throws InterruptedIOException {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry a media download");
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private static void closeQuietly(CloseableHttpResponse response) {
        try {
            response.close();
        } catch (IOException ignored) {
            // the connection was cut on purpose; what it was for has already succeeded or failed
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** A 5xx, 408 or 429: worth another attempt, perhaps after the server's Retry-After. */
    private static final class TransientStatus extends IOException {
        private final transient Optional<Duration> retryAfter;

        TransientStatus(URI uri, int status, Optional<Duration> retryAfter) {
            super("the server at " + FetchRefused.hostOf(uri) + " answered HTTP " + status);
            this.retryAfter = retryAfter;
        }
    }
}
