package io.omniservice.server.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.omniservice.core.model.ApiError;
import io.omniservice.server.config.GatewayConfig.ApiKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

/**
 * Admits API requests that carry a configured key, or a valid JWT when JWTs are configured, as
 * {@code Authorization: Bearer <token>}. Keys are compared as SHA-256 digests in constant time, and every
 * configured key is checked, so the answer's timing says nothing about how much of a key was right or
 * which key was close. A token shaped like a JWT (three dot-separated parts) goes to {@link JwtVerifier}.
 */
final class ApiKeyAuthentication implements Handler {
    /** The request attribute holding the name of the key that was used, for logs. */
    static final String KEY_NAME = "omniservice.apiKeyName";

    private static final String SCHEME = "Bearer ";

    private record KnownKey(String name, byte[] digest) {}

    private final List<KnownKey> keys;

    private final JwtVerifier jwt;

    ApiKeyAuthentication(List<ApiKey> keys, JwtVerifier jwt) {
        this.jwt = jwt;
        this.keys = keys.stream()
                .map(key -> new KnownKey(key.name(), digest(key.key())))
                .toList();
    }

    @Override
    public void handle(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization == null || authorization.isBlank()) {
            throw refused("Bearer", "an API key is required: Authorization: Bearer <key>");
        }
        if (authorization.length() <= SCHEME.length()
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw refused("Bearer", "the Authorization header must use the Bearer scheme");
        }
        String token = authorization.substring(SCHEME.length()).strip();
        if (jwt != null && token.chars().filter(c -> c == '.').count() == 2) {
            String subject = jwt.verify(token)
                    .orElseThrow(() -> refused("Bearer error=\"invalid_token\"", "the JWT is not valid"));
            ctx.attribute(KEY_NAME, "jwt:" + subject);
            return;
        }
        byte[] presented = digest(token);
        String matched = null;
        for (KnownKey key : keys) {
            if (MessageDigest.isEqual(key.digest(), presented)) {
                matched = key.name();
            }
        }
        if (matched == null) {
            throw refused("Bearer error=\"invalid_token\"", "the API key is not valid");
        }
        ctx.attribute(KEY_NAME, matched);
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
