package io.omniservice.media.fetch;

import io.omniservice.core.carrier.MediaDownload;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one carrier attachment or client {@code mediaUrl} to a temp file, safely: every hop is checked
 * by the {@link AddressGuard}, redirects are followed here so none escapes that check, the carrier's
 * credentials go only to the original origin, and time, size and disk use are bounded by
 * {@link FetchLimits}. The body is streamed to disk (hashing as it goes), never held in memory.
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
    private final HttpClient client;

    public SafeFetcher(AddressGuard guard, FetchLimits limits, Path tempDir) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.tempDir = Objects.requireNonNull(tempDir, "tempDir");
        try {
            Files.createDirectories(tempDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the media download directory " + tempDir, e);
        }
        // No proxy (it would connect where the guard never looked), no automatic redirects, and HTTP/1.1:
        // one plain connection per download, without an h2c upgrade on cleartext URLs.
        this.client = HttpClient.newBuilder()
                .connectTimeout(limits.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
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
        URI current = start;
        int redirects = 0;
        while (true) {
            guard.check(current);
            boolean sameOrigin = sameOrigin(start, current);
            HttpRequest request = request(current, sameOrigin ? headers : Map.of(), remaining(deadline, current));
            log.debug(
                    "GET {} (hop {}, carrier headers {})",
                    origin(current),
                    redirects,
                    headers.isEmpty() ? "none" : sameOrigin ? "sent" : "dropped");
            HttpResponse<InputStream> response = send(request);
            int status = response.statusCode();
            try (InputStream body = response.body()) {
                if (REDIRECTS.contains(status)) {
                    String location = response.headers()
                            .firstValue("Location")
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
                    throw new TransientStatus(current, status, retryAfter(response.headers()));
                }
                if (status == 204) {
                    throw FetchRefused.of(FetchRefused.EMPTY, current, "the server answered 204 No Content");
                }
                if (status != 200 && status != 203) {
                    throw FetchRefused.httpStatus(current, status, "");
                }
                long declared =
                        response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared > limits.maxBytes()) {
                    throw FetchRefused.of(
                            FetchRefused.TOO_LARGE,
                            current,
                            "the server declares " + declared + " bytes, over the limit of " + limits.maxBytes());
                }
                if (declared == 0) {
                    throw FetchRefused.of(FetchRefused.EMPTY, current, "the body is empty");
                }
                String declaredType =
                        response.headers().firstValue("Content-Type").orElse(null);
                return store(body, declared, declaredType, current, deadline);
            }
        }
    }

    private Fetched store(InputStream body, long declared, String declaredType, URI uri, Instant deadline)
            throws IOException, FetchRefused {
        long started = System.nanoTime();
        Path temp = Files.createTempFile(tempDir, "fetch-", ".part");
        boolean kept = false;
        // HttpRequest.timeout covers the wait for headers only; a server that dribbles the body is cut
        // off by closing the stream at the attempt's deadline.
        AtomicBoolean timedOut = new AtomicBoolean();
        CompletableFuture<Void> watchdog = CompletableFuture.runAsync(
                () -> {
                    timedOut.set(true);
                    closeQuietly(body);
                },
                CompletableFuture.delayedExecutor(remaining(deadline, uri).toMillis(), TimeUnit.MILLISECONDS));
        try (OutputStream out = Files.newOutputStream(temp)) {
            MessageDigest sha256 = sha256();
            byte[] buffer = new byte[BUFFER_BYTES];
            long size = 0;
            int n;
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
            if (timedOut.get()) {
                throw timeout(uri);
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
        } catch (IOException e) {
            if (timedOut.get()) {
                throw timeout(uri);
            }
            throw e;
        } finally {
            watchdog.cancel(false);
            if (!kept) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private HttpRequest request(URI uri, Map<String, String> headers, Duration timeout) throws FetchRefused {
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET().timeout(timeout);
            headers.forEach(builder::header);
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw FetchRefused.of(FetchRefused.BAD_URL, uri, "the request cannot be made: " + e.getMessage());
        }
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        try {
            return client.send(request, BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(
                    "interrupted while fetching media from " + request.uri().getHost());
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
    private static Optional<Duration> retryAfter(HttpHeaders headers) {
        return headers.firstValue("Retry-After").flatMap(value -> {
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

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the read it interrupts reports the timeout
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
