package io.omniservice.media.fetch;

import io.omniservice.core.net.AddressGuard;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.TimeValue;

/**
 * Apache HttpClient's host lookup through the {@link AddressGuard}: the client connects only to addresses the
 * guard checked at that moment, so a name that resolved to a public address when it was checked and to a
 * private one now (DNS rebinding) is refused, as an {@link AddressGuard.RefusedHost}.
 */
final class GuardedDnsResolver implements DnsResolver {
    private final AddressGuard guard;

    GuardedDnsResolver(AddressGuard guard) {
        this.guard = guard;
    }

    /**
     * A client that resolves through {@code guard} and does nothing on its own: no redirects, retries,
     * decompression, cookies or cached credentials, and a fresh connection (so a fresh check) per request.
     */
    static CloseableHttpClient client(AddressGuard guard, ConnectionConfig connections, int maxTotal, int maxPerRoute) {
        return builder(guard, connections, maxTotal, maxPerRoute)
                .setConnectionReuseStrategy((request, response, context) -> false)
                .build();
    }

    /**
     * {@link #client} that keeps a connection open for the next request to the same scheme, host and port when
     * the caller released it whole and the server did not close it; a kept connection is to an address the guard
     * allowed when it was opened, and lives at most {@code connections}' time to live. Idle ones are closed after
     * {@code idle}.
     */
    static CloseableHttpClient keepingConnections(
            AddressGuard guard, ConnectionConfig connections, int maxTotal, int maxPerRoute, TimeValue idle) {
        return builder(guard, connections, maxTotal, maxPerRoute)
                .evictExpiredConnections()
                .evictIdleConnections(idle)
                .build();
    }

    private static HttpClientBuilder builder(
            AddressGuard guard, ConnectionConfig connections, int maxTotal, int maxPerRoute) {
        return HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(new GuardedDnsResolver(guard))
                        .setDefaultConnectionConfig(connections)
                        .setMaxConnTotal(maxTotal)
                        .setMaxConnPerRoute(maxPerRoute)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("Omniservice");
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        return guard.connectable(host);
    }

    @Override
    public String resolveCanonicalHostname(String host) {
        return host;
    }
}
