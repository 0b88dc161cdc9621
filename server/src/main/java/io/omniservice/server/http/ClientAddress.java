package io.omniservice.server.http;

import io.javalin.http.Context;
import io.omniservice.core.net.TrustedProxies;
import java.util.Collections;

/**
 * The address a request comes from, as the per-address limits and logs count it: the peer, or behind a
 * trusted proxy ({@code server.trustedProxies}) the client that proxy names in {@code X-Forwarded-For}.
 * Read once per request by {@link #resolve} and kept on the request.
 */
final class ClientAddress {
    private static final String ATTRIBUTE = "omniservice.clientAddress";
    private static final String VIA_PROXY = "omniservice.viaTrustedProxy";

    private ClientAddress() {}

    /** Works out the request's client address under {@code proxies} and keeps it on the request. */
    static void resolve(Context ctx, TrustedProxies proxies) {
        String peer = ctx.req().getRemoteAddr();
        ctx.attribute(VIA_PROXY, proxies.trusts(peer));
        ctx.attribute(
                ATTRIBUTE,
                proxies.clientAddress(peer, Collections.list(ctx.req().getHeaders("X-Forwarded-For"))));
    }

    /** The request's client address; the peer's when {@link #resolve} has not run for it. */
    static String of(Context ctx) {
        String address = ctx.attribute(ATTRIBUTE);
        return address != null ? address : ctx.req().getRemoteAddr();
    }

    /** Whether the request came through one of {@code server.trustedProxies}. */
    static boolean viaTrustedProxy(Context ctx) {
        return Boolean.TRUE.equals(ctx.attribute(VIA_PROXY));
    }
}
