package io.omniservice.server.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.omniservice.core.model.ApiError;
import io.omniservice.server.config.GatewayConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Who may scrape {@code /metrics}: anyone when the configuration opens it, the scraper's own bearer token
 * when one is configured, otherwise an API client with the {@code admin} scope.
 */
final class MetricsAccess implements Handler {
    private final GatewayConfig.Metrics settings;
    private final ApiKeyAuthentication authentication;
    private final byte[] token;

    MetricsAccess(GatewayConfig.Metrics settings, ApiKeyAuthentication authentication) {
        this.settings = settings;
        this.authentication = authentication;
        this.token = settings.token() == null ? null : sha256(settings.token());
    }

    @Override
    public void handle(Context ctx) throws Exception {
        if (settings.open()) {
            return;
        }
        String authorization = ctx.header("Authorization");
        if (token != null
                && authorization != null
                && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && MessageDigest.isEqual(
                        token, sha256(authorization.substring(7).strip()))) {
            return;
        }
        authentication.handle(ctx);
        if (!ApiKeyAuthentication.client(ctx).isAdmin()) {
            throw new ApiException(
                    new ApiError(403, "insufficient_scope", "metrics need the metrics token or the admin scope"),
                    Map.of("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"admin\""));
        }
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
