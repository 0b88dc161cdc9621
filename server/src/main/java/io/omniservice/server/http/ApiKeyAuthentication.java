package io.omniservice.server.http;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.omniservice.core.access.ApiClient;
import io.omniservice.core.access.Scope;
import io.omniservice.core.model.ApiError;
import io.omniservice.server.config.GatewayConfig.ApiKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits API requests that carry a configured key, or a valid JWT when JWTs are configured, as
 * {@code Authorization: Bearer <token>}, and names the {@link ApiClient} making them. Keys are compared as
 * SHA-256 digests in constant time, and every configured key is checked, so the answer's timing says
 * nothing about how much of a key was right or which key was close. A token shaped like a JWT (three
 * dot-separated parts) goes to {@link JwtVerifier}. An address that keeps failing is answered 429 without
 * a check for a while, so keys cannot be guessed at the server's speed.
 */
final class ApiKeyAuthentication implements Handler {
    /** The request attribute holding the authenticated {@link ApiClient}. */
    static final String CLIENT = "omniservice.apiClient";

    private static final Logger SECURITY = LoggerFactory.getLogger("omniservice.security");
    private static final String SCHEME = "Bearer ";
    /** Addresses remembered for failed attempts before the oldest are forgotten wholesale. */
    private static final int MAX_TRACKED_ADDRESSES = 50_000;

    private record KnownKey(ApiClient client, byte[] digest) {}

    private final List<KnownKey> keys;
    private final JwtVerifier jwt;
    private final int failuresPerMinute;
    private final Map<String, Bucket> failures = new ConcurrentHashMap<>();

    ApiKeyAuthentication(List<ApiKey> keys, JwtVerifier jwt, int failuresPerMinute) {
        this.jwt = jwt;
        this.failuresPerMinute = failuresPerMinute;
        this.keys = keys.stream()
                .map(key -> new KnownKey(new ApiClient(key.name(), key.scopes()), digest(key.key())))
                .toList();
    }

    /** The client the request was authenticated as; only on routes behind this handler. */
    static ApiClient client(Context ctx) {
        ApiClient client = ctx.attribute(CLIENT);
        if (client == null) {
            throw new IllegalStateException("no authenticated client on " + ctx.path());
        }
        return client;
    }

    @Override
    public void handle(Context ctx) {
        String address = ClientAddress.of(ctx);
        Bucket failed = failures.get(address);
        if (failed != null && failed.getAvailableTokens() <= 0) {
            throw new ApiException(
                    new ApiError(
                            429,
                            "too_many_failed_authentications",
                            "too many failed authentications from this address; retry in a minute"),
                    Map.of("Retry-After", "60"));
        }
        try {
            ctx.attribute(CLIENT, authenticate(ctx.header("Authorization")));
        } catch (ApiException refused) {
            if (failures.size() > MAX_TRACKED_ADDRESSES) {
                failures.clear();
            }
            failures.computeIfAbsent(address, a -> Bucket.builder()
                            .addLimit(Bandwidth.builder()
                                    .capacity(failuresPerMinute)
                                    .refillGreedy(failuresPerMinute, Duration.ofMinutes(1))
                                    .build())
                            .build())
                    .tryConsume(1);
            SECURITY.info(
                    "API authentication refused from {}: {}",
                    address,
                    refused.error().message());
            throw refused;
        }
    }

    private ApiClient authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw refused("Bearer", "an API key is required: Authorization: Bearer <key>");
        }
        if (authorization.length() <= SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw refused("Bearer", "the Authorization header must use the Bearer scheme");
        }
        String token = authorization.substring(SCHEME.length()).strip();
        if (jwt != null && token.chars().filter(c -> c == '.').count() == 2) {
            JwtVerifier.Claims claims = jwt.verify(token)
                    .orElseThrow(() -> refused("Bearer error=\"invalid_token\"", "the JWT is not valid"));
            return new ApiClient("jwt:" + claims.subject(), claims.scopes());
        }
        byte[] presented = digest(token);
        ApiClient matched = null;
        for (KnownKey key : keys) {
            if (MessageDigest.isEqual(key.digest(), presented)) {
                matched = key.client();
            }
        }
        if (matched == null) {
            throw refused("Bearer error=\"invalid_token\"", "the API key is not valid");
        }
        return matched;
    }

    /** A handler that lets the request on only when its client has one of {@code scopes}. */
    static Handler requiring(Handler handler, Scope... scopes) {
        return ctx -> {
            ApiClient client = client(ctx);
            for (Scope scope : scopes) {
                if (client.has(scope)) {
                    handler.handle(ctx);
                    return;
                }
            }
            StringBuilder needed = new StringBuilder();
            for (Scope scope : scopes) {
                needed.append(needed.isEmpty() ? "" : " or ").append(scope.wireName());
            }
            throw new ApiException(
                    new ApiError(403, "insufficient_scope", "this request needs the scope " + needed),
                    Map.of("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" + needed + "\""));
        };
    }

    private static ApiException refused(String challenge, String message) {
        return new ApiException(new ApiError(401, "unauthorized", message), Map.of("WWW-Authenticate", challenge));
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
