package io.omniservice.server.http;

import io.javalin.http.Context;
import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.inbound.WebhookIngress;
import io.omniservice.core.model.ApiError;
import io.omniservice.core.model.CarrierType;
import io.omniservice.server.metrics.GatewayMetrics;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Carrier webhooks: turns the HTTP request into a framework-free {@link WebhookRequest} and writes the
 * answer of {@link WebhookIngress}, which authenticates, normalizes and stores.
 */
final class WebhookRoutes {
    private final WebhookIngress ingress;
    private final String publicBaseUrl;
    private final long maxBodyBytes;
    private final Clock clock;
    private final GatewayMetrics metrics;

    WebhookRoutes(
            WebhookIngress ingress, String publicBaseUrl, long maxBodyBytes, Clock clock, GatewayMetrics metrics) {
        this.ingress = ingress;
        this.publicBaseUrl = publicBaseUrl;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
        this.metrics = metrics;
    }

    void handle(Context ctx) throws IOException {
        Instant receivedAt = clock.instant();
        String carrier = ctx.pathParam("carrier");
        String account = ctx.pathParamMap().get("account");
        String carrierTag =
                CarrierType.fromWireName(carrier).map(CarrierType::wireName).orElse("other");
        WebhookReply reply;
        try {
            HttpServletRequest http = ctx.req();
            // The carrier's own limit (a Twilio webhook is a few KB) bounds what an unauthenticated request
            // costs: a larger body is refused 413 from its Content-Length or after that many bytes, before
            // anything is verified or parsed. No account here: the answer is 404 whatever the body says.
            long limit = Math.min(maxBodyBytes, ingress.maxBodyBytes(carrier, account));
            byte[] body = limit > 0 ? BoundedBody.read(http, limit) : new byte[0];
            String rawQuery = http.getQueryString();
            WebhookRequest request = new WebhookRequest(
                    ctx.method().name(), publicUrl(http), headers(http), query(rawQuery), body, receivedAt);
            reply = ingress.handle(carrier, account, request);
        } catch (ApiException refused) {
            metrics.webhook(carrierTag, outcome(refused.error().status()));
            throw refused;
        }
        metrics.webhook(carrierTag, outcome(reply.status()));
        ctx.status(reply.status());
        if (reply.contentType() != null) {
            ctx.contentType(reply.contentType());
        }
        ctx.result(reply.body());
    }

    /**
     * The URL the carrier called, as it signed it: the configured public base URL, then the path and the
     * query exactly as they arrived (still percent-encoded), since a proxy in front may rewrite host and scheme.
     */
    private String publicUrl(HttpServletRequest http) {
        String rawQuery = http.getQueryString();
        return publicBaseUrl + http.getRequestURI() + (rawQuery == null ? "" : "?" + rawQuery);
    }

    private static Map<String, List<String>> headers(HttpServletRequest http) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(http.getHeaderNames())) {
            headers.put(name, Collections.list(http.getHeaders(name)));
        }
        return headers;
    }

    private static Map<String, List<String>> query(String rawQuery) {
        try {
            return FormBody.parse(rawQuery);
        } catch (WebhookRejection e) {
            throw new ApiException(
                    new ApiError(400, "invalid_query", "the query string is not valid percent-encoded data"));
        }
    }

    /** A fixed word per answer, so the metric has few series. */
    private static String outcome(int status) {
        return switch (status) {
            case 200, 201, 202, 204 -> "accepted";
            case 400 -> "malformed";
            case 401, 403 -> "refused";
            case 404 -> "unknown_carrier";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            case 503 -> "unavailable";
            default -> status < 500 ? "client_error" : "server_error";
        };
    }
}
