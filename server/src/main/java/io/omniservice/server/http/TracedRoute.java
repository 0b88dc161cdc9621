package io.omniservice.server.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.util.List;
import java.util.Map;

/**
 * A route that is the server span of a message's trace (a carrier's webhook, a client's send): a child of
 * the {@code traceparent} the caller sent, if any, with the HTTP attributes of the semantic conventions.
 */
final class TracedRoute {
    private final Tracing tracing;

    TracedRoute(Tracing tracing) {
        this.tracing = tracing;
    }

    /** {@code handler} inside a server span named after its method and {@code route} (the path template). */
    Handler traced(String route, Handler handler) {
        return ctx -> {
            String method = ctx.method().name();
            Span span = tracing.span(method + " " + route, SpanKind.SERVER, null)
                    .setParent(Tracing.incoming(traceHeaders(ctx)))
                    .setAttribute("http.request.method", method)
                    .setAttribute("http.route", route)
                    .setAttribute("url.path", ctx.path())
                    .setAttribute("url.scheme", ctx.scheme())
                    .startSpan();
            try (Tracing.Active active = Tracing.activate(span, null)) {
                try {
                    handler.handle(ctx);
                    answered(span, ctx.statusCode());
                } catch (ApiException refused) {
                    answered(span, refused.error().status());
                    throw refused;
                } catch (Exception e) {
                    active.failed(e);
                    throw e;
                }
            }
        };
    }

    private static void answered(Span span, int status) {
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
    }

    private static Map<String, List<String>> traceHeaders(Context ctx) {
        String parent = ctx.header("traceparent");
        if (parent == null) {
            return Map.of();
        }
        String state = ctx.header("tracestate");
        return state == null
                ? Map.of("traceparent", List.of(parent))
                : Map.of("traceparent", List.of(parent), "tracestate", List.of(state));
    }
}
