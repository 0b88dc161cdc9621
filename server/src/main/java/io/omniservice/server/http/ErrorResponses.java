package io.omniservice.server.http;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.omniservice.core.model.ApiError;
import io.omniservice.core.outbound.DeliveryTargets;
import io.omniservice.core.store.InvalidCursorException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become HTTP answers. Every error leaves as the contract's JSON
 * ({@link ApiError}): a route's {@link ApiException}, a store's verdict on a client's input, Javalin's
 * own 404/405/413, requests Jetty refuses before routing, and — only for our bugs — a 500.
 */
public final class ErrorResponses {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);
    static final String JSON = "application/json";

    private ErrorResponses() {}

    static void register(RoutesConfig routes) {
        routes.exception(ApiException.class, (e, ctx) -> {
            e.headers().forEach(ctx::header);
            write(ctx, e.error());
        });
        routes.exception(
                InvalidCursorException.class,
                (e, ctx) -> write(
                        ctx,
                        new ApiError(
                                400,
                                "invalid_parameter",
                                "cursor is not one this listing returned; start again without it",
                                "cursor")));
        routes.exception(
                io.omniservice.core.contact.InvalidContactException.class,
                (e, ctx) -> write(ctx, new ApiError(400, "invalid_request", e.getMessage(), e.field())));
        routes.exception(
                DeliveryTargets.Refused.class,
                (e, ctx) -> write(ctx, new ApiError(400, e.code(), e.getMessage(), e.field())));
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            if (e.getStatus() == 405 && !e.getDetails().isEmpty()) {
                // Javalin lists the methods the path does accept in the details; HTTP says so in Allow.
                ctx.header("Allow", String.join(", ", e.getDetails().values()));
            }
            write(ctx, forStatus(e.getStatus(), ctx.method().name() + " " + ctx.path()));
        });
        routes.exception(Exception.class, (e, ctx) -> {
            if (closedByClient(e)) {
                // The client hung up before its body was complete: its doing, nothing was handled, no one to answer.
                LOG.info(
                        "client closed the connection mid-request method={} path={} address={}",
                        ctx.method(),
                        ctx.path(),
                        ClientAddress.of(ctx));
                write(ctx, INCOMPLETE);
                return;
            }
            LOG.error("request failed method={} path={}", ctx.method(), ctx.path(), e);
            write(ctx, forStatus(500, null));
        });
    }

    private static final ApiError INCOMPLETE =
            new ApiError(400, "incomplete_request", "the connection closed before the whole request body arrived");

    /** Whether reading the request failed because the client closed its side (Jetty's early EOF). */
    private static boolean closedByClient(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof EofException) {
                return true;
            }
        }
        return false;
    }

    static void write(Context ctx, ApiError error) {
        ctx.status(error.status()).contentType(JSON).result(error.toJson());
    }

    /** The contract's error for a bare HTTP status; {@code request} ("GET /x") makes 404/405 say what. */
    static ApiError forStatus(int status, String request) {
        String subject = request == null ? "this request" : request;
        return switch (status) {
            case 400 -> new ApiError(400, "bad_request", "the request is not valid HTTP");
            case 401 -> new ApiError(401, "unauthorized", "credentials are required");
            case 404 -> new ApiError(404, "not_found", "no route for " + subject);
            case 405 -> new ApiError(405, "method_not_allowed", "the method is not allowed for " + subject);
            case 413 -> new ApiError(413, "payload_too_large", "the request body is larger than this server accepts");
            case 414 -> new ApiError(414, "uri_too_long", "the request URI is too long");
            case 431 -> new ApiError(431, "headers_too_large", "the request headers are too large");
            case 500 -> new ApiError(500, "internal_error", "the server failed to handle the request; see its log");
            case 503 -> new ApiError(503, "unavailable", "the server cannot handle the request now; retry later");
            default ->
                new ApiError(
                        status, status < 500 ? "bad_request" : "server_error", "the request failed with " + status);
        };
    }

    /**
     * Writes the contract's JSON for what Jetty refuses before any route runs: malformed HTTP, a URI too
     * long or ambiguous, oversized headers.
     */
    static final class JettyErrors extends ErrorHandler {
        @Override
        protected void generateResponse(
                Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
            response.write(true, ByteBuffer.wrap(forStatus(code, null).toJson()), callback);
        }
    }
}
