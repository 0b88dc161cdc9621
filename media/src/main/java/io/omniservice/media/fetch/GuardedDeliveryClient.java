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
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * The {@link DeliveryClient} of the gateway: POSTs callbacks, events and forwards through the same
 * {@link AddressGuard} rule as media downloads. The URL is checked before each request and the host is
 * resolved through the guard when connecting, so the address connected to is one checked then. Redirects
 * are not followed (the status is returned), there is no proxy, no retry of its own (the dispatcher retries)
 * and no connection reuse, so every delivery resolves and checks its host anew. The answer's body is never
 * read: the connection is cut once the status is in.
 */
public final class GuardedDeliveryClient implements DeliveryClient {
    private final AddressGuard guard;
    private final CloseableHttpClient client;

    /** @param connectTimeout to open the TCP/TLS connection; the whole request is bounded per call */
    public GuardedDeliveryClient(AddressGuard guard, Duration connectTimeout) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.client = GuardedDnsResolver.client(
                guard,
                ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .build(),
                1024,
                256);
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
            // the body is of no interest, and reading it would let the receiver hold this slot
            request.cancel();
            response.close(CloseMode.IMMEDIATE);
        }
    }

    @Override
    public void close() {
        client.close(CloseMode.IMMEDIATE);
    }
}
