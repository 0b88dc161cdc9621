package io.omniservice.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.omniservice.core.access.ApiClient;
import io.omniservice.core.access.Audience;
import io.omniservice.core.access.Scope;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.ApiError;
import io.omniservice.core.notify.PublishedEvent;
import io.omniservice.core.notify.Subscription;
import io.omniservice.core.rules.InvalidRuleException;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleParser;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Subscriptions ({@code /v1/subscriptions}), the Server-Sent Events stream ({@code /v1/events}) and the
 * business rules ({@code /v1/rules}).
 */
final class ProcessingRoutes {
    /** A stream with nothing to say sends a comment this often, so proxies keep it open. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    /** How often a waiting stream looks for events other nodes published. */
    private static final Duration POLL = Duration.ofSeconds(1);

    /** A backlog is replayed this many events at a time, with {@link #REPLAY_PAUSE} between batches. */
    private static final int REPLAY_BATCH = 200;

    private static final Duration REPLAY_PAUSE = Duration.ofMillis(100);

    /**
     * How long a stream of a gateway answering in memory (a Lambda function, whose response is buffered whole)
     * waits for an event: under API Gateway's 30 s integration timeout. Such a stream is a long poll.
     */
    static final Duration LONG_POLL = Duration.ofSeconds(20);
    /** The {@code retry:} a long-poll stream gives EventSource: reconnect after this many milliseconds. */
    private static final int LONG_POLL_RETRY_MILLIS = 500;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Open event streams per client. */
    private final Map<String, AtomicInteger> streams = new ConcurrentHashMap<>();

    private final ProcessingApi api;
    private volatile boolean closing;

    /** Null when streams stay open; else how long a stream waits for its first event before it ends. */
    private final Duration longPoll;

    /**
     * @param longPoll null: a stream stays open until the client or the server goes. Else each response is a
     *     long poll, for a server whose responses are buffered whole: it ends once it has sent the events there
     *     are, or after waiting this long for one; EventSource reconnects with {@code Last-Event-ID} (after the
     *     {@code retry:} it was given) and misses nothing, since positions have no gaps.
     */
    ProcessingRoutes(ProcessingApi api, Duration longPoll) {
        this.api = api;
        this.longPoll = longPoll;
    }

    /** Ends open streams (within a poll), so the server can stop; clients reconnect with Last-Event-ID. */
    void close() {
        closing = true;
        api.published().published();
    }

    // --- subscriptions

    /** How many waiting deliveries and dead letters a listing reads to tell each subscription's delivery state. */
    private static final int DELIVERY_STATE_READ = 10_000;

    /** A subscription as listed and read: what it is, and how its events are getting through. */
    record SubscriptionView(
            String id,
            String url,
            Set<String> events,
            java.time.Instant createdAt,
            String client,
            io.omniservice.core.notify.DeliveryState delivery) {
        static SubscriptionView of(
                Subscription subscription, Map<String, io.omniservice.core.notify.DeliveryState> states) {
            return new SubscriptionView(
                    subscription.id(),
                    subscription.url(),
                    subscription.events(),
                    subscription.createdAt(),
                    subscription.client(),
                    states.getOrDefault(subscription.id(), io.omniservice.core.notify.DeliveryState.CLEAR));
        }
    }

    private Map<String, io.omniservice.core.notify.DeliveryState> deliveryStates() {
        return io.omniservice.core.notify.DeliveryState.of(
                api.deliveries().waitingEventDeliveries(DELIVERY_STATE_READ),
                api.deliveries().deadLetters(DELIVERY_STATE_READ));
    }

    void subscriptions(Context ctx) {
        ApiClient client = ApiKeyAuthentication.client(ctx);
        var states = deliveryStates();
        JsonBody.write(
                ctx,
                200,
                ListPage.of(
                        api.notifications().subscriptions(client.audience()).stream()
                                .map(subscription -> SubscriptionView.of(subscription, states))
                                .toList(),
                        SubscriptionView::id,
                        QueryParameters.parse(ctx.queryString()).page(client.audience())));
    }

    void subscription(Context ctx) {
        JsonBody.write(ctx, 200, SubscriptionView.of(ownSubscription(ctx), deliveryStates()));
    }

    /** The subscription when it is this client's (or the client is an admin); another's is as good as absent. */
    private Subscription ownSubscription(Context ctx) {
        return api.notifications()
                .subscription(ctx.pathParam("subscriptionId"))
                .filter(s -> ApiKeyAuthentication.client(ctx).sees(s.client()))
                .orElseThrow(() -> ApiException.notFound("subscription_not_found", "no subscription has this id"));
    }

    void subscribe(Context ctx) {
        ApiClient client = ApiKeyAuthentication.client(ctx);
        ObjectNode body = JsonBody.readObject(ctx.bodyAsBytes());
        for (String field : iterable(body.fieldNames())) {
            if (!Set.of("url", "events", "secret").contains(field)) {
                throw ApiException.invalidField(
                        field, "is not a subscription field; give url, events and optionally secret");
            }
        }
        JsonNode urlNode = body.get("url");
        if (urlNode == null || !urlNode.isTextual() || urlNode.asText().isBlank()) {
            throw ApiException.invalidField("url", "is required: the absolute http(s) URL events are POSTed to");
        }
        URI url = api.targets().check(urlNode.asText(), "url");
        JsonNode events = body.get("events");
        if (events == null || !events.isArray() || events.isEmpty()) {
            throw ApiException.invalidField("events", "must list at least one of " + Subscription.EVENT_TYPES);
        }
        Set<String> types = new LinkedHashSet<>();
        for (int i = 0; i < events.size(); i++) {
            String type = events.get(i).asText("");
            if (!Subscription.EVENT_TYPES.contains(type)) {
                throw ApiException.invalidField(
                        "events[" + i + "]", "'" + type + "' is not an event type; known: " + Subscription.EVENT_TYPES);
            }
            types.add(type);
        }
        JsonNode secretNode = body.get("secret");
        String secret;
        if (secretNode == null || secretNode.isNull()) {
            byte[] random = new byte[32];
            RANDOM.nextBytes(random);
            secret = "whsec_" + HexFormat.of().formatHex(random);
        } else if (!secretNode.isTextual()
                || secretNode.asText().length() < 16
                || secretNode.asText().length() > 256) {
            throw ApiException.invalidField(
                    "secret", "must be text of 16 to 256 characters (leave it out and one is made for you)");
        } else {
            secret = secretNode.asText();
        }
        int held = api.notifications().subscriptions(Audience.of(client.id())).size();
        if (held >= api.limits().subscriptionsPerClient()) {
            throw limitReached("subscriptions", api.limits().subscriptionsPerClient());
        }
        Subscription stored = api.notifications()
                .addSubscription(
                        new Subscription(null, url.toString(), types, secret, null, client.id(), client.isAdmin()));
        // the only answer that shows the secret: the receiver needs it to check signatures
        ObjectNode answer = Json.MAPPER.valueToTree(stored);
        answer.put("secret", secret);
        JsonBody.write(ctx, 201, answer);
    }

    void unsubscribe(Context ctx) {
        if (!api.notifications().deleteSubscription(ownSubscription(ctx).id())) {
            throw ApiException.notFound("subscription_not_found", "no subscription has this id");
        }
        ctx.status(204);
    }

    // --- Server-Sent Events

    /**
     * Streams published events as they come, each with its position as the SSE {@code id}. A client that
     * reconnects with {@code Last-Event-ID} (or {@code ?lastEventId=}) gets everything after it, so nothing
     * between the two connections is missed; without one the stream starts with the next event.
     * {@code ?types=} narrows it to some event types.
     */
    void events(Context ctx) throws IOException {
        ApiClient client = ApiKeyAuthentication.client(ctx);
        Set<String> types = new LinkedHashSet<>();
        String typesParameter = ctx.queryParam("types");
        if (typesParameter != null && !typesParameter.isBlank()) {
            for (String type : typesParameter.split(",")) {
                if (!Subscription.EVENT_TYPES.contains(type.trim())) {
                    throw ApiException.invalidParameter(
                            "types", "'" + type.trim() + "' is not an event type; known: " + Subscription.EVENT_TYPES);
                }
                types.add(type.trim());
            }
        }
        String resume = ctx.header("Last-Event-ID");
        if (resume == null || resume.isBlank()) {
            resume = ctx.queryParam("lastEventId");
        }
        long position;
        if (resume == null || resume.isBlank()) {
            position = api.notifications().lastPosition();
        } else {
            try {
                position = Long.parseLong(resume.trim());
            } catch (NumberFormatException e) {
                throw ApiException.invalidParameter("Last-Event-ID", "must be the id of an event this stream sent");
            }
        }
        AtomicInteger open = streams.computeIfAbsent(client.id(), c -> new AtomicInteger());
        if (open.incrementAndGet() > api.limits().eventStreamsPerClient()) {
            open.decrementAndGet();
            throw new ApiException(
                    new ApiError(
                            429,
                            "too_many_streams",
                            "this client has " + api.limits().eventStreamsPerClient()
                                    + " event streams open already; close one first"),
                    Map.of("Retry-After", "5"));
        }
        try {
            stream(ctx, client, types, position);
        } finally {
            open.decrementAndGet();
        }
    }

    private void stream(Context ctx, ApiClient client, Set<String> types, long position) throws IOException {
        var response = ctx.res();
        response.setStatus(200);
        response.setContentType("text/event-stream;charset=utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        try {
            out.write((longPoll == null ? ": omniservice events\n\n" : "retry: " + LONG_POLL_RETRY_MILLIS + "\n\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            long quietSince = System.nanoTime();
            long ends = longPoll == null ? Long.MAX_VALUE : System.nanoTime() + longPoll.toNanos();
            while (!closing && System.nanoTime() < ends) {
                long seen = api.published().version();
                List<PublishedEvent> batch =
                        api.notifications().publishedAfter(position, types, REPLAY_BATCH, client.audience());
                if (!batch.isEmpty()) {
                    StringBuilder text = new StringBuilder();
                    for (PublishedEvent event : batch) {
                        text.append("id: ").append(event.position()).append('\n');
                        text.append("event: ").append(event.type()).append('\n');
                        text.append("data: ").append(event.envelope()).append("\n\n");
                        position = event.position();
                    }
                    out.write(text.toString().getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    if (longPoll != null) {
                        return; // the buffered response goes now; the client comes back for the rest
                    }
                    quietSince = System.nanoTime();
                    if (batch.size() == REPLAY_BATCH) {
                        // replaying a backlog: paced, so a crowd of resuming clients cannot saturate the node
                        Thread.sleep(REPLAY_PAUSE.toMillis());
                    }
                    continue;
                }
                if (System.nanoTime() - quietSince > KEEP_ALIVE.toNanos()) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    quietSince = System.nanoTime();
                }
                api.published().awaitAfter(seen, POLL);
            }
        } catch (IOException gone) {
            // the client went away; it resumes with Last-Event-ID when it comes back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- rules

    /** The configuration file's rules (read-only, seen by all), then the client's own stored rules. */
    void rules(Context ctx) {
        ApiClient client = ApiKeyAuthentication.client(ctx);
        List<ObjectNode> items = new ArrayList<>();
        for (Rule rule : api.configuredRules()) {
            items.add(ruleJson(rule, "config"));
        }
        for (Rule rule : api.rules().storedRules()) {
            if (client.sees(rule.client())) {
                items.add(ruleJson(rule, "api"));
            }
        }
        JsonBody.write(
                ctx,
                200,
                ListPage.of(
                        items,
                        item -> item.path("id").asText(),
                        QueryParameters.parse(ctx.queryString()).page(client.audience())));
    }

    void rule(Context ctx) {
        String id = ctx.pathParam("ruleId");
        JsonBody.write(ctx, 200, find(id, ApiKeyAuthentication.client(ctx)));
    }

    private ObjectNode find(String id, ApiClient client) {
        for (Rule rule : api.configuredRules()) {
            if (rule.id().equals(id)) {
                return ruleJson(rule, "config");
            }
        }
        return api.rules().storedRules().stream()
                .filter(r -> r.id().equals(id) && client.sees(r.client()))
                .findFirst()
                .map(r -> ruleJson(r, "api"))
                .orElseThrow(() -> ApiException.notFound("rule_not_found", "no rule has this id"));
    }

    private static ObjectNode ruleJson(Rule rule, String source) {
        ObjectNode json = RuleParser.toJson(rule).put("source", source);
        if (rule.client() != null) {
            json.put("client", rule.client());
        }
        return json;
    }

    void addRule(Context ctx) {
        ApiClient client = ApiKeyAuthentication.client(ctx);
        ObjectNode body = JsonBody.readObject(ctx.bodyAsBytes());
        body.remove("id");
        body.remove("source");
        body.remove("client");
        Rule rule;
        try {
            rule = RuleParser.parse(body, null);
        } catch (InvalidRuleException e) {
            String field = e.field();
            throw new ApiException(
                    new ApiError(400, "invalid_request", (field == null ? "" : field + ": ") + e.detail(), field));
        }
        api.targets().checkForwards(rule);
        if (rule.actions().stream().anyMatch(a -> a instanceof io.omniservice.core.rules.RuleAction.Forward)
                && api.signing().of(client.id()).isEmpty()) {
            throw new ApiException(new ApiError(
                    400,
                    "signing_secret_required",
                    "forwards are signed with your client's secret, and you have none yet: create it with"
                            + " POST /v1/clients/me/signing-secret",
                    "actions"));
        }
        long held = api.rules().storedRules().stream()
                .filter(r -> client.id().equals(r.client()))
                .count();
        if (held >= api.limits().rulesPerClient()) {
            throw limitReached("rules", api.limits().rulesPerClient());
        }
        Rule stored = api.rules().addRule(rule.ownedBy(client.id()));
        api.rulesChanged().run();
        JsonBody.write(ctx, 201, ruleJson(stored, "api"));
    }

    void deleteRule(Context ctx) {
        String id = ctx.pathParam("ruleId");
        if (api.configuredRules().stream().anyMatch(r -> r.id().equals(id))) {
            throw new ApiException(new ApiError(
                    409, "rule_from_config", "this rule comes from the configuration file; remove it there"));
        }
        if (!api.rules().storedRules().stream()
                        .anyMatch(r -> r.id().equals(id)
                                && ApiKeyAuthentication.client(ctx).sees(r.client()))
                || !api.rules().deleteRule(id)) {
            throw ApiException.notFound("rule_not_found", "no rule has this id");
        }
        api.rulesChanged().run();
        ctx.status(204);
    }

    // --- the client itself

    /** Who the caller is: its id, scopes, and where the secret that signs its callbacks comes from. */
    void me(Context ctx) {
        ApiClient client = ApiKeyAuthentication.client(ctx);
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("id", client.id());
        var scopes = json.putArray("scopes");
        client.scopes().stream().map(Scope::wireName).sorted().forEach(scopes::add);
        json.put("signingSecret", api.signing().source(client.id()).name().toLowerCase(java.util.Locale.ROOT));
        JsonBody.write(ctx, 200, json);
    }

    /**
     * Makes a new secret for the client's callbacks and forwards and shows it this once. The previous one
     * keeps signing beside it for a day, so receivers can switch over without refusing a delivery.
     */
    void rotateSigningSecret(Context ctx) {
        ApiClient client = ApiKeyAuthentication.client(ctx);
        if (api.signing().configured(client.id())) {
            throw new ApiException(new ApiError(
                    409,
                    "signing_secret_in_config",
                    "this client's signing secret is set in the configuration file; change it there"));
        }
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        var rotated =
                api.signing().rotate(client.id(), "whsec_" + HexFormat.of().formatHex(random));
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("secret", rotated.secret());
        json.put("rotatedAt", rotated.rotatedAt().toString());
        if (rotated.previousUntil() != null) {
            json.put("previousValidUntil", rotated.previousUntil().toString());
        }
        JsonBody.write(ctx, 201, json);
    }

    // --- shared

    private static ApiException limitReached(String what, int limit) {
        return new ApiException(new ApiError(
                409,
                "limit_reached",
                "this client holds " + limit + " " + what
                        + " already, the most it may (api.limits); delete one first"));
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        return () -> iterator;
    }
}
