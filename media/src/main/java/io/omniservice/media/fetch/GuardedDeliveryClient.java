package io.omniservice.media.fetch;

import io.omniservice.core.net.AddressGuard;
import io.omniservice.core.net.AddressRefused;
import io.omniservice.core.outbound.DeliveryClient;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The {@link DeliveryClient} of the gateway: POSTs callbacks, events and forwards through the same
 * {@link AddressGuard} rule as media downloads. The URL is checked before each request and the host is
 * resolved through the guard when connecting, so the address connected to is one checked then. Redirects
 * are not followed (the status is returned), there is no proxy and no retry of its own (the dispatcher retries).
 *
 * <p>A connection is kept for the next delivery to the same receiver when its answer's body, if any, was
 * already in with the status (a declared length of at most {@link #KEPT_BODY_BYTES}, every byte buffered): a
 * subscriber taking thousands of events a second then costs no TCP (or TLS) handshake per event. Any other
 * answer's connection is cut once the status is in, its body unread, so a receiver cannot hold a delivery slot
 * by dribbling one. A kept connection goes to an address the guard allowed when it opened, lives at most
 * {@link #CONNECTION_LIFETIME} (so a receiver's new DNS answer is taken within it), is checked for a close by the
 * receiver before reuse once idle for {@link #REVALIDATE_AFTER}, and is closed after {@link #IDLE} unused. The URL
 * is checked before every delivery, kept connection or not.
 */
public final class GuardedDeliveryClient implements DeliveryClient {
    /** The largest answer body read so that its connection can be kept. */
    static final int KEPT_BODY_BYTES = 8 * 1024;

    static final TimeValue CONNECTION_LIFETIME = TimeValue.ofMinutes(1);
    static final TimeValue REVALIDATE_AFTER = TimeValue.ofSeconds(1);
    static final TimeValue IDLE = TimeValue.ofSeconds(30);

    private final AddressGuard guard;
    private final CloseableHttpClient client;

    /** @param connectTimeout to open the TCP/TLS connection; the whole request is bounded per call */
    public GuardedDeliveryClient(AddressGuard guard, Duration connectTimeout) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.client = GuardedDnsResolver.keepingConnections(
                guard,
                ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setTimeToLive(CONNECTION_LIFETIME)
                        .setValidateAfterInactivity(REVALIDATE_AFTER)
                        .build(),
                1024,
                256,
                IDLE);
    }

    @Override
    public int post(URI url, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException, AddressRefused {
        guard.check(url);
        HttpPost request = new HttpPost(url);
        request.setConfig(
                RequestConfig.custom().setResponseTimeout(Timeout.of(timeout)).build());
        headers.forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Type")) {
                request.addHeader(name, value);
            }
        });
        request.setEntity(
                new ByteArrayEntity(body, ContentType.parse(headers.getOrDefault("Content-Type", "application/json"))));
        CloseableHttpResponse response;
        try {
            response = client.execute(request);
        } catch (AddressGuard.RefusedHost e) {
            throw e.refusal();
        } catch (InterruptedIOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            HttpTimeoutException late =
                    new HttpTimeoutException("no answer from " + AddressRefused.hostOf(url) + " in time");
            late.initCause(e);
            throw late;
        }
        try {
            return response.getCode();
        } finally {
            release(request, response);
        }
    }

    /** Keeps the connection when the whole body is already buffered (reading it cannot wait); cuts it otherwise. */
    private static void release(HttpPost request, CloseableHttpResponse response) {
        try {
            HttpEntity entity = response.getEntity();
            long length = entity == null ? 0 : entity.getContentLength();
            if (length == 0
                    || (length > 0
                            && length <= KEPT_BODY_BYTES
                            && entity.getContent().available() >= length)) {
                EntityUtils.consume(entity);
                response.close();
                return;
            }
        } catch (IOException notKept) {
            // cut below
        }
        request.cancel();
        response.close(CloseMode.IMMEDIATE);
    }

    @Override
    public void close() {
        client.close(CloseMode.IMMEDIATE);
    }
}
