package io.omniservice.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
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

/**
 * Subscriptions ({@code /v1/subscriptions}), the Server-Sent Events stream ({@code /v1/events}) and the
 * business rules ({@code /v1/rules}).
 */
final class ProcessingRoutes {
    /** A stream with nothing to say sends a comment this often, so proxies keep it open. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    /** How often a waiting stream looks for events other nodes published. */
    private static final Duration POLL = Duration.ofSeconds(1);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ProcessingApi api;
    private volatile boolean closing;

    ProcessingRoutes(ProcessingApi api) {
        this.api = api;
    }

    /** Ends open streams (within a poll), so the server can stop; clients reconnect with Last-Event-ID. */
    void close() {
        closing = true;
        api.published().published();
    }

    // --- subscriptions

    void subscriptions(Context ctx) {
        JsonBody.write(ctx, 200, Map.of("items", api.notifications().subscriptions()));
    }

    void subscription(Context ctx) {
        Subscription found = api.notifications()
                .subscription(ctx.pathParam("subscriptionId"))
                .orElseThrow(() -> ApiException.notFound("subscription_not_found", "no subscription has this id"));
        JsonBody.write(ctx, 200, found);
    }

    void subscribe(Context ctx) {
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
        URI url = JsonBody.httpUrl(urlNode.asText(), "url");
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
        Subscription stored =
                api.notifications().addSubscription(new Subscription(null, url.toString(), types, secret, null));
        // the only answer that shows the secret: the receiver needs it to check signatures
        ObjectNode answer = Json.MAPPER.valueToTree(stored);
        answer.put("secret", secret);
        JsonBody.write(ctx, 201, answer);
    }

    void unsubscribe(Context ctx) {
        if (!api.notifications().deleteSubscription(ctx.pathParam("subscriptionId"))) {
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
        var response = ctx.res();
        response.setStatus(200);
        response.setContentType("text/event-stream;charset=utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        try {
            out.write(": omniservice events\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            long quietSince = System.nanoTime();
            while (!closing) {
                long seen = api.published().version();
                List<PublishedEvent> batch = api.notifications().publishedAfter(position, types, 500);
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
                    quietSince = System.nanoTime();
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

    void rules(Context ctx) {
        List<ObjectNode> items = new ArrayList<>();
        for (Rule rule : api.configuredRules()) {
            items.add(RuleParser.toJson(rule).put("source", "config"));
        }
        for (Rule rule : api.rules().storedRules()) {
            items.add(RuleParser.toJson(rule).put("source", "api"));
        }
        JsonBody.write(ctx, 200, Map.of("items", items));
    }

    void rule(Context ctx) {
        String id = ctx.pathParam("ruleId");
        JsonBody.write(ctx, 200, find(id));
    }

    private ObjectNode find(String id) {
        for (Rule rule : api.configuredRules()) {
            if (rule.id().equals(id)) {
                return RuleParser.toJson(rule).put("source", "config");
            }
        }
        return api.rules().storedRules().stream()
                .filter(r -> r.id().equals(id))
                .findFirst()
                .map(r -> RuleParser.toJson(r).put("source", "api"))
                .orElseThrow(() -> ApiException.notFound("rule_not_found", "no rule has this id"));
    }

    void addRule(Context ctx) {
        ObjectNode body = JsonBody.readObject(ctx.bodyAsBytes());
        body.remove("id");
        body.remove("source");
        Rule rule;
        try {
            rule = RuleParser.parse(body, null);
        } catch (InvalidRuleException e) {
            String field = e.field();
            throw new ApiException(
                    new ApiError(400, "invalid_request", (field == null ? "" : field + ": ") + e.detail(), field));
        }
        Rule stored = api.rules().addRule(rule);
        api.rulesChanged().run();
        JsonBody.write(ctx, 201, RuleParser.toJson(stored).put("source", "api"));
    }

    void deleteRule(Context ctx) {
        String id = ctx.pathParam("ruleId");
        if (api.configuredRules().stream().anyMatch(r -> r.id().equals(id))) {
            throw new ApiException(new ApiError(
                    409, "rule_from_config", "this rule comes from the configuration file; remove it there"));
        }
        if (!api.rules().deleteRule(id)) {
            throw ApiException.notFound("rule_not_found", "no rule has this id");
        }
        api.rulesChanged().run();
        ctx.status(204);
    }

    // --- shared

    private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        return () -> iterator;
    }
}
