package io.omniservice.media.fetch;

import io.omniservice.core.net.AddressGuard;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.hc.client5.http.DnsResolver;

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

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        return guard.connectable(host);
    }

    @Override
    public String resolveCanonicalHostname(String host) {
        return host;
    }
}
