package io.omniservice.server.http;

import static io.omniservice.core.access.Scope.ADMIN;
import static io.omniservice.core.access.Scope.EVENTS_READ;
import static io.omniservice.core.access.Scope.MESSAGES_READ;
import static io.omniservice.core.access.Scope.MESSAGES_SEND;
import static io.omniservice.core.access.Scope.RULES_WRITE;
import static io.omniservice.server.http.ApiKeyAuthentication.requiring;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.omniservice.core.inbound.WebhookIngress;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Storage;
import io.omniservice.core.trace.Tracing;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.metrics.GatewayMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP interface on Javalin 7 (Jetty 12), one virtual thread per request: carrier webhooks,
 * the query API behind API keys, health and metrics. Routes are all declared here, so this file is the
 * map of the HTTP contract.
 */
public final class GatewayHttpServer implements AutoCloseable {
    /** The request log's logger: its level is set by {@code logging.requests} (LogFormat). */
    public static final String ACCESS_LOGGER = "omniservice.http";

    private static final Logger ACCESS = LoggerFactory.getLogger(ACCESS_LOGGER);
    private static final Set<String> METHOD_TAGS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

    private static final Logger LOG = LoggerFactory.getLogger(GatewayHttpServer.class);

    private final Javalin app;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.time.Duration drainTimeout;
    private volatile boolean draining;
    private final GatewayMetrics metrics;
    private final ProcessingRoutes processing;
    /** The in-memory connector of an in-process server, else null. */
    private volatile org.eclipse.jetty.server.LocalConnector local;

    public GatewayHttpServer(
            GatewayConfig.Server server,
            GatewayConfig.Api api,
            WebhookIngress ingress,
            Storage storage,
            OutboundApi outboundApi,
            ProcessingApi processingApi,
            MediaApi mediaApi,
            GatewayMetrics metrics,
            Clock clock) {
        this(server, api, ingress, storage, outboundApi, processingApi, mediaApi, metrics, clock, false, Tracing.OFF);
    }

    /**
     * @param inProcess serve only requests handed over in memory ({@link #respond}), on no port: a Lambda function
     *     behind API Gateway gets the same routes, filters and error answers as the listening server
     */
    public GatewayHttpServer(
            GatewayConfig.Server server,
            GatewayConfig.Api api,
            WebhookIngress ingress,
            Storage storage,
            OutboundApi outboundApi,
            ProcessingApi processingApi,
            MediaApi mediaApi,
            GatewayMetrics metrics,
            Clock clock,
            boolean inProcess,
            Tracing tracing) {
        this.metrics = metrics;
        TracedRoute spans = new TracedRoute(tracing);
        var webhooks = new WebhookRoutes(ingress, server.publicBaseUrl(), server.maxBodyBytes(), clock, metrics);
        MessageStore store = storage.messages();
        var queries = new QueryRoutes(store, mediaApi.pipeline());
        var contacts = new ContactRoutes(outboundApi.contacts(), mediaApi.pipeline());
        var media = new MediaRoutes(mediaApi.blobs(), mediaApi.signer());
        var apiDocs = new ApiDocsRoutes();
        var console = new ConsoleRoutes();
        var operations = new OperationsRoutes(storage, metrics, () -> draining);
        var authentication = new ApiKeyAuthentication(
                api.keys(),
                api.jwt() == null ? null : new JwtVerifier(api.jwt()),
                api.limits().failedAuthPerMinute());
        var metricsAccess = new MetricsAccess(server.metrics(), authentication);
        var rateLimiting = new RateLimiting(
                api.rateLimit(),
                api.keys().stream()
                        .filter(key -> key.rateLimit() != null)
                        .collect(java.util.stream.Collectors.toMap(
                                GatewayConfig.ApiKey::name, GatewayConfig.ApiKey::rateLimit)),
                sharedRateBuckets(storage));
        this.processing = new ProcessingRoutes(processingApi, inProcess ? ProcessingRoutes.LONG_POLL : null);
        var outbound = new OutboundRoutes(
                outboundApi.service(),
                outboundApi.store(),
                store,
                outboundApi.selector(),
                outboundApi.health(),
                outboundApi.templates(),
                clock,
                outboundApi.routingRulesChanged(),
                processingApi.rules(),
                mediaApi.pipeline(),
                processingApi.signing(),
                processingApi.targets());
        this.drainTimeout = server.idleTimeout();
        var proxies = io.omniservice.core.net.TrustedProxies.of(server.trustedProxies());
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            // Handlers block on the store's group commit; a virtual thread per request makes that cheap.
            config.concurrency.useVirtualThreads = true;
            config.jetty.port = server.port();
            if (inProcess) {
                // the only connector, so Javalin opens no port
                config.jetty.addConnector((jetty, http) -> {
                    local = new org.eclipse.jetty.server.LocalConnector(jetty);
                    return local;
                });
            }
            config.http.maxRequestSize = server.maxBodyBytes();
            config.http.prefer405over404 = true;
            config.jetty.modifyServer(jetty -> {
                jetty.setErrorHandler(new ErrorResponses.JettyErrors());
                // bounds on what connections alone may hold: all of them, and those of one address
                jetty.addBean(new org.eclipse.jetty.server.NetworkConnectionLimit(server.maxConnections(), jetty));
                jetty.addBean(new AddressConnectionLimit(server.maxConnectionsPerAddress(), proxies, jetty));
                jetty.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
                    @Override
                    public void lifeCycleStarting(org.eclipse.jetty.util.component.LifeCycle event) {
                        // the connector exists once the server starts; a silent connection is closed after this
                        for (var connector : jetty.getConnectors()) {
                            if (connector instanceof org.eclipse.jetty.server.AbstractConnector c) {
                                c.setIdleTimeout(server.idleTimeout().toMillis());
                            }
                        }
                    }
                });
            });
            config.requestLogger.http(this::logRequest);
            // requests in flight, so that a shutdown lets them finish (see close)
            config.routes.before(ctx -> {
                inFlight.incrementAndGet();
                ClientAddress.resolve(ctx, proxies);
                if (draining) {
                    // each connection ends with its answer, so a load balancer's next request opens a new
                    // one, which the stopping node no longer takes, instead of racing its close
                    ctx.header("Connection", "close");
                }
            });
            config.routes.after(ctx -> inFlight.decrementAndGet());

            var routes = config.routes;
            routes.post("/webhooks/{carrier}", spans.traced("/webhooks/{carrier}", webhooks::handle));
            routes.post(
                    "/webhooks/{carrier}/{account}", spans.traced("/webhooks/{carrier}/{account}", webhooks::handle));
            routes.get("/webhooks/{carrier}", webhooks::handle);
            routes.get("/webhooks/{carrier}/{account}", webhooks::handle);

            // every /v1 route names the scopes that may call it (README "Security": the client model)
            routes.beforeMatched("/v1/*", authentication);
            routes.beforeMatched("/v1/*", rateLimiting);
            routes.post("/v1/messages", spans.traced("/v1/messages", requiring(outbound::send, MESSAGES_SEND)));
            routes.get("/v1/messages", requiring(queries::messages, MESSAGES_READ));
            routes.get("/v1/messages/{messageId}", requiring(outbound::message, MESSAGES_READ, MESSAGES_SEND));
            routes.get("/v1/carriers", requiring(outbound::carriers, ADMIN, MESSAGES_SEND));
            routes.get("/v1/routing-rules", requiring(outbound::routingRules, ADMIN));
            routes.post("/v1/routing-rules", requiring(outbound::addRoutingRule, ADMIN));
            routes.delete("/v1/routing-rules/{ruleId}", requiring(outbound::deleteRoutingRule, ADMIN));
            routes.get("/v1/dead-letters", requiring(outbound::deadLetters, ADMIN));
            routes.post("/v1/dead-letters/{deadLetterId}/replay", requiring(outbound::replayDeadLetter, ADMIN));
            routes.get("/v1/subscriptions", requiring(processing::subscriptions, EVENTS_READ));
            routes.post("/v1/subscriptions", requiring(processing::subscribe, EVENTS_READ));
            routes.get("/v1/subscriptions/{subscriptionId}", requiring(processing::subscription, EVENTS_READ));
            routes.delete("/v1/subscriptions/{subscriptionId}", requiring(processing::unsubscribe, EVENTS_READ));
            routes.get("/v1/events", requiring(processing::events, EVENTS_READ));
            routes.get("/v1/rules", requiring(processing::rules, RULES_WRITE));
            routes.post("/v1/rules", requiring(processing::addRule, RULES_WRITE));
            routes.get("/v1/rules/{ruleId}", requiring(processing::rule, RULES_WRITE));
            routes.delete("/v1/rules/{ruleId}", requiring(processing::deleteRule, RULES_WRITE));
            routes.get("/v1/conversations", requiring(queries::conversations, MESSAGES_READ));
            routes.get("/v1/conversations/{conversationId}", requiring(queries::conversation, MESSAGES_READ));
            routes.get(
                    "/v1/conversations/{conversationId}/messages",
                    requiring(queries::conversationMessages, MESSAGES_READ));
            routes.post("/v1/contacts", requiring(contacts::create, MESSAGES_SEND));
            routes.get("/v1/contacts", requiring(contacts::find, MESSAGES_READ));
            routes.get("/v1/contacts/{contactId}", requiring(contacts::contact, MESSAGES_READ));
            routes.post("/v1/contacts/{contactId}/identities", requiring(contacts::link, MESSAGES_SEND));
            routes.delete("/v1/contacts/{contactId}/identities/{identity}", requiring(contacts::unlink, MESSAGES_SEND));
            routes.get("/v1/contacts/{contactId}/messages", requiring(contacts::messages, MESSAGES_READ));
            routes.get("/v1/clients/me", processing::me);
            routes.post("/v1/clients/me/signing-secret", processing::rotateSigningSecret);

            routes.get("/media/{key}", media::serve);
            routes.head("/media/{key}", media::serve);

            routes.get("/health/live", operations::live);
            routes.get("/health/ready", operations::ready);
            routes.beforeMatched("/metrics", metricsAccess);
            routes.get("/metrics", operations::metrics);

            // the contract itself (openapi/openapi.yaml) and its reference page: no credentials, like health
            routes.get("/openapi.json", apiDocs::document);
            routes.get("/docs/", apiDocs::page);
            routes.get("/docs/{file}", apiDocs::file);
            // the operator console: a page of the /v1 API, signed in with an admin key it holds for the tab only
            routes.get("/console/", console::page);
            routes.get("/console/assets/{file}", console::asset);
            routes.get("/console/{view}", console::page);
            routes.get("/console/{view}/{id}", console::page);

            ErrorResponses.register(routes);
        });
    }

    /**
     * Where the API clients' rate buckets live when several nodes share the storage: PostgreSQL's rows, DynamoDB's
     * items; empty for the embedded store (one node, buckets in memory).
     */
    private static java.util.Optional<? extends io.github.bucket4j.distributed.proxy.ProxyManager<String>>
            sharedRateBuckets(Storage storage) {
        return switch (storage) {
            case io.omniservice.store.jdbc.JdbcMessageStore jdbc -> jdbc.sharedRateBuckets();
            case io.omniservice.aws.AwsStorage aws -> java.util.Optional.of(aws.sharedRateBuckets());
            default -> java.util.Optional.empty();
        };
    }

    /**
     * Every route this server answers, as {@code "GET /v1/messages"} with Javalin's path template; the
     * OpenAPI document must describe exactly these.
     */
    public java.util.List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(parsed -> parsed.endpoint)
                .filter(endpoint -> METHOD_TAGS.contains(endpoint.method.name()))
                .map(endpoint -> endpoint.method.name() + " " + endpoint.path)
                .toList();
    }

    /** Starts listening; returns the bound port (the configured one, or a free one when it is 0). */
    public int start() {
        app.start();
        return app.port();
    }

    /** Starts serving in-process requests only (see the constructor's {@code inProcess}). */
    public void startInProcess() {
        app.start();
        if (local == null) {
            throw new IllegalStateException("this server was not built in-process");
        }
    }

    /**
     * Serves one HTTP/1.1 request given as its bytes, in memory, and returns the response's bytes: how a Lambda
     * function hands an API Gateway request to the routes.
     */
    public java.nio.ByteBuffer respond(java.nio.ByteBuffer request, java.time.Duration timeout) throws Exception {
        return local.getResponse(request, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Drains, then stops: {@code /health/ready} answers 503 {@code draining} at once, so a load balancer
     * sends new traffic elsewhere; event streams end (their clients resume on another node with
     * {@code Last-Event-ID}); requests in flight, and any that still arrive meanwhile, get until none is
     * left or the idle timeout has passed; then the listener stops.
     */
    @Override
    public void close() {
        draining = true;
        processing.close();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.get() > 0) {
            LOG.warn("{} requests still in flight after {}; stopping anyway", inFlight.get(), drainTimeout);
        }
        app.stop();
    }

    private void logRequest(Context ctx, Float millis) {
        String method = ctx.method().name();
        int status = ctx.statusCode();
        metrics.httpRequest(METHOD_TAGS.contains(method) ? method : "OTHER", route(ctx), status, Duration.ofNanos((long)
                (millis * 1_000_000)));
        // The path only: query strings can carry tokens (Meta's hub.verify_token) and phone numbers. Refused,
        // failed and slow requests at INFO; the others at DEBUG, written when logging.requests is "all": at
        // thousands of webhooks a second a line each costs more CPU than checking their signatures.
        boolean notable = status >= 400 || millis >= SLOW_REQUEST_MILLIS;
        if (notable ? ACCESS.isInfoEnabled() : ACCESS.isDebugEnabled()) {
            String line = method + " " + ctx.path() + " " + status + " " + Math.round(millis * 10) / 10.0 + "ms";
            if (notable) {
                ACCESS.info(line);
            } else {
                ACCESS.debug(line);
            }
        }
    }

    /** A request this slow is logged whatever its status. */
    private static final float SLOW_REQUEST_MILLIS = 1000;

    private static String route(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint == null || endpoint.method == HandlerType.BEFORE_MATCHED ? "unmatched" : endpoint.path;
    }
}
