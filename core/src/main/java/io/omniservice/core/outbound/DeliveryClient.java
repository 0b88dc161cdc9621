package io.omniservice.core.outbound;

import io.omniservice.core.net.AddressRefused;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The port every POST to a client's URL (status callbacks, subscription events, rule forwards) goes through.
 * An implementation must connect only to an address its {@link io.omniservice.core.net.AddressGuard} checked
 * at connect time (a host re-resolved since registration may point somewhere else now) and must not follow
 * redirects: the gateway answers for the one URL the client registered, not for where it points next.
 */
public interface DeliveryClient extends AutoCloseable {
    /**
     * POSTs {@code body} with {@code headers} to {@code url} and returns the answer's status; a 3xx is
     * returned as it is, not followed. The answer's body is not read.
     *
     * @throws AddressRefused when the URL or the address its host resolves to now is not allowed
     * @throws IOException when no answer came within {@code timeout} or the connection failed
     */
    int post(URI url, Map<String, String> headers, byte[] body, Duration timeout)
            throws IOException, AddressRefused, InterruptedException;

    @Override
    void close();
}
