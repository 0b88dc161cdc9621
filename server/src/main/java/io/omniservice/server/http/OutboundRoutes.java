package io.omniservice.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.omniservice.core.json.Json;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.ApiError;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.model.WhatsAppIds;
import io.omniservice.core.outbound.CarrierHealth;
import io.omniservice.core.outbound.CarrierRoute;
import io.omniservice.core.outbound.CarrierSelector;
import io.omniservice.core.outbound.DeliveryFallback;
import io.omniservice.core.outbound.OutboundRefusal;
import io.omniservice.core.outbound.OutboundRequest;
import io.omniservice.core.outbound.OutboundService;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.Priority;
import io.omniservice.core.outbound.RoutingRule;
import io.omniservice.core.outbound.TemplateRegistry;
import io.omniservice.core.store.MessageStore;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The outbound API: {@code POST /v1/messages} (validated field by field, idempotent with
 * {@code Idempotency-Key}), a message with its send attempts, routing rules, carriers with their health,
 * and dead letters.
 */
final class OutboundRoutes {
    private static final int MAX_BUTTONS = 10;
    /** Compiled once: {@code String.matches} compiled it on every send (1 % of the request threads' CPU). */
    private static final java.util.regex.Pattern E164 = java.util.regex.Pattern.compile("\\+[1-9][0-9]{6,14}");
    /** The longest alphanumeric sender id any carrier takes is far shorter; the column holds this much. */
    private static final int MAX_SENDER_ID = 255;

    private static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    /** How far ahead scheduledAt and expireAt may lie. */
    private static final java.time.Duration FURTHEST = java.time.Duration.ofDays(366);

    private final OutboundService service;
    private final OutboundStore outbound;
    private final MessageStore store;
    private final CarrierSelector selector;
    private final CarrierHealth health;
    private final TemplateRegistry templates;
    private final Clock clock;
    private final Runnable rulesChanged;
    private final MediaPipeline media;
    private final io.omniservice.core.rules.RuleStore businessRules;
    private final io.omniservice.core.access.SigningSecrets signing;
    private final io.omniservice.core.outbound.DeliveryTargets targets;

    OutboundRoutes(
            OutboundService service,
            OutboundStore outbound,
            MessageStore store,
            CarrierSelector selector,
            CarrierHealth health,
            TemplateRegistry templates,
            Clock clock,
            Runnable rulesChanged,
            io.omniservice.core.rules.RuleStore businessRules,
            MediaPipeline media,
            io.omniservice.core.access.SigningSecrets signing,
            io.omniservice.core.outbound.DeliveryTargets targets) {
        this.signing = signing;
        this.targets = targets;
        this.media = media; // for the message view
        this.rulesChanged = rulesChanged;
        this.businessRules = businessRules;
        this.service = service;
        this.outbound = outbound;
        this.store = store;
        this.selector = selector;
        this.health = health;
        this.templates = templates;
        this.clock = clock;
    }

    /** The header a trusted load balancer names each client request with, the same on every node it tries. */
    static final String BALANCER_REQUEST_ID = "X-Request-Id";

    void send(Context ctx) {
        byte[] raw = ctx.bodyAsBytes();
        JsonNode body = JsonBody.readObject(raw);
        OutboundRequest request = parse(body, ApiKeyAuthentication.client(ctx).id());
        OutboundService.Idempotency idempotency = null;
        String key = ctx.header("Idempotency-Key");
        String balancerRequest = ctx.header(BALANCER_REQUEST_ID);
        if (key != null) {
            if (key.isBlank() || key.length() > 255) {
                throw new ApiException(new ApiError(
                        400, "invalid_header", "Idempotency-Key must be 1 to 255 characters", "Idempotency-Key"));
            }
            idempotency = new OutboundService.Idempotency(
                    ApiKeyAuthentication.client(ctx).id(), key, sha256(raw));
        } else if (balancerRequest != null
                && ClientAddress.viaTrustedProxy(ctx)
                && !balancerRequest.isBlank()
                && balancerRequest.length() <= 200) {
            // A balancer that passes a send to another node after the first failed mid-request sends the
            // same request id again: the two attempts are one message (deploy/nginx sets it to $request_id).
            idempotency = new OutboundService.Idempotency(
                    ApiKeyAuthentication.client(ctx).id(), "balancer-request:" + balancerRequest, sha256(raw));
        }
        try {
            OutboundService.Accepted accepted = service.accept(request, idempotency);
            if (accepted.replayed()) {
                ctx.header("Idempotent-Replayed", "true");
            }
            ctx.status(202).contentType(ErrorResponses.JSON).result(accepted.response());
        } catch (OutboundRefusal refusal) {
            int status =
                    switch (refusal.code()) {
                        case "recipient_opted_out" -> 403;
                        case "idempotency_key_reused" -> 409;
                        case "media_address_not_allowed", "media_bad_url", CarrierSelector.FROM_NOT_IN_POOL -> 400;
                        case "media_not_checked" -> 503;
                        default -> 422;
                    };
            String field = refusal.code().startsWith("media_")
                    ? "content.mediaUrl"
                    : CarrierSelector.FROM_NOT_IN_POOL.equals(refusal.code()) ? "from" : null;
            throw new ApiException(new ApiError(status, refusal.code(), refusal.getMessage(), field));
        }
    }

    /** Reads the seed's OutboundMessageRequest, naming the first field that is wrong. */
    private OutboundRequest parse(JsonNode body, String client) {
        JsonNode to = object(body, "to", true);
        String phone = text(to, "to.phoneNumber", "phoneNumber", false);
        String chatId = text(to, "to.chatId", "chatId", false);
        String userId = text(to, "to.whatsappUserId", "whatsappUserId", false);
        String groupId = text(to, "to.whatsappGroupId", "whatsappGroupId", false);
        if (Stream.of(phone, chatId, userId, groupId).filter(Objects::nonNull).count() != 1) {
            throw ApiException.invalidField(
                    "to.phoneNumber",
                    "give exactly one of to.phoneNumber (E.164), to.whatsappUserId, to.whatsappGroupId or to.chatId"
                            + " (LiveChat)");
        }
        String recipient = chatId;
        if (phone != null) {
            recipient = e164(phone, "to.phoneNumber");
        } else if (userId != null) {
            if (!WhatsAppIds.USER_ID.matcher(userId).matches()) {
                throw ApiException.invalidField(
                        "to.whatsappUserId",
                        "is a business-scoped user id: a country code, '.', and up to 128 letters"
                                + " or digits (US.13491208655302741918)");
            }
            recipient = ConversationKey.WHATSAPP_USER + userId;
        } else if (groupId != null) {
            if (!WhatsAppIds.GROUP_ID.matcher(groupId).matches()) {
                throw ApiException.invalidField("to.whatsappGroupId", "is 1 to 128 letters, digits, '.', '-' or '_'");
            }
            recipient = ConversationKey.group(CarrierType.WHATSAPP, groupId).participant();
        }
        CarrierType preferred = null;
        String preferredName = text(to, "to.preferredCarrier", "preferredCarrier", false);
        if (preferredName != null) {
            preferred = CarrierType.fromWireName(preferredName)
                    .orElseThrow(() -> ApiException.invalidField(
                            "to.preferredCarrier", "unknown carrier '" + preferredName + "'"));
        }
        JsonNode fromNode = object(body, "from", false);
        String from = null;
        if (fromNode != null) {
            String fromPhone = text(fromNode, "from.phoneNumber", "phoneNumber", false);
            from = fromPhone != null
                    ? e164(fromPhone, "from.phoneNumber")
                    : text(fromNode, "from.senderId", "senderId", false);
            if (fromPhone == null && from != null && (from.isBlank() || from.length() > MAX_SENDER_ID)) {
                throw ApiException.invalidField("from.senderId", "must be 1 to " + MAX_SENDER_ID + " characters");
            }
        }
        JsonNode content = object(body, "content", true);
        String type = text(content, "content.type", "type", true);
        Map<String, String> params = params(content);
        String templateId = text(content, "content.templateId", "templateId", false);
        String text = text(content, "content.text", "text", false);
        MessageContent parsed =
                switch (type) {
                    case "text" -> {
                        if (text == null || text.isEmpty()) {
                            throw ApiException.invalidField("content.text", "is required for a text message");
                        }
                        yield new MessageContent.Text(text);
                    }
                    case "template" -> {
                        if (templateId == null) {
                            throw ApiException.invalidField("content.templateId", "is required for a template message");
                        }
                        if (templates.has(templateId)) {
                            List<String> missing = templates.missingParams(templateId, params);
                            if (!missing.isEmpty()) {
                                throw ApiException.invalidField(
                                        "content.templateParams",
                                        "template '" + templateId + "' needs " + String.join(", ", missing));
                            }
                        }
                        String rendered = templates.render(templateId, params).orElse(text != null ? text : templateId);
                        yield new MessageContent.Template(rendered, templateId, params);
                    }
                    case "media" -> {
                        String url = text(content, "content.mediaUrl", "mediaUrl", true);
                        JsonBody.httpUrl(url, "content.mediaUrl");
                        yield new MessageContent.Media(
                                text == null ? "" : text,
                                List.of(MediaItem.url(url, text(content, "content.mediaType", "mediaType", false))));
                    }
                    case "interactive" -> {
                        if (text == null || text.isEmpty()) {
                            throw ApiException.invalidField("content.text", "is required above the buttons");
                        }
                        yield new MessageContent.Interactive(text, buttons(content));
                    }
                    default ->
                        throw ApiException.invalidField("content.type", "must be text, template, media or interactive");
                };
        JsonNode options = object(body, "options", false);
        Priority priority = Priority.NORMAL;
        Instant scheduledAt = null;
        Instant expireAt = null;
        String callbackUrl = null;
        DeliveryFallback fallback = null;
        boolean acrossChannels = false;
        if (options != null) {
            fallback = fallback(options);
            JsonNode across = options.get("acrossChannels");
            if (across != null && !across.isNull()) {
                if (!across.isBoolean()) {
                    throw ApiException.invalidField("options.acrossChannels", "must be true or false");
                }
                acrossChannels = across.booleanValue();
            }
            String p = text(options, "options.priority", "priority", false);
            if (p != null) {
                try {
                    priority = Priority.fromWireName(p);
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalidField("options.priority", "must be high, normal or low");
                }
            }
            scheduledAt = instant(options, "scheduledAt");
            expireAt = instant(options, "expireAt");
            callbackUrl = text(options, "options.callbackUrl", "callbackUrl", false);
            if (callbackUrl != null) {
                targets.check(callbackUrl, "options.callbackUrl");
                if (signing.of(client).isEmpty()) {
                    throw new ApiException(new ApiError(
                            400,
                            "signing_secret_required",
                            "callbacks are signed with your client's secret, and you have none yet: create it with"
                                    + " POST /v1/clients/me/signing-secret",
                            "options.callbackUrl"));
                }
            }
        }
        if (expireAt != null && !expireAt.isAfter(clock.instant())) {
            throw ApiException.invalidField("options.expireAt", "is already past");
        }
        if (expireAt != null && scheduledAt != null && !expireAt.isAfter(scheduledAt)) {
            throw ApiException.invalidField("options.expireAt", "must be after options.scheduledAt");
        }
        return new OutboundRequest(
                recipient,
                preferred,
                from,
                parsed,
                "template".equals(type) ? null : templateId,
                params,
                text(content, "content.templateLanguage", "templateLanguage", false),
                priority,
                scheduledAt,
                expireAt,
                callbackUrl,
                client,
                fallback,
                acrossChannels);
    }

    /**
     * {@code options.fallback}: {@code afterSeconds} in range, {@code carriers} configured here, {@code onTimeout}
     * send or notify.
     */
    private DeliveryFallback fallback(JsonNode options) {
        JsonNode node = options.get("fallback");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ApiException.invalidField(
                    "options.fallback", "must be an object {afterSeconds, carriers, onTimeout}");
        }
        JsonNode after = node.get("afterSeconds");
        if (after == null || after.isNull()) {
            throw ApiException.invalidField("options.fallback.afterSeconds", "is required");
        }
        if (!after.isIntegralNumber()
                || !after.canConvertToInt()
                || after.asInt() < DeliveryFallback.MIN_AFTER_SECONDS
                || after.asInt() > DeliveryFallback.MAX_AFTER_SECONDS) {
            throw ApiException.invalidField(
                    "options.fallback.afterSeconds",
                    "must be a whole number of seconds from " + DeliveryFallback.MIN_AFTER_SECONDS + " to "
                            + DeliveryFallback.MAX_AFTER_SECONDS);
        }
        List<CarrierType> carriers = new ArrayList<>();
        JsonNode list = node.get("carriers");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw ApiException.invalidField("options.fallback.carriers", "must be a list of carrier names");
            }
            java.util.Set<CarrierType> configured = new java.util.HashSet<>();
            selector.routes().forEach(route -> configured.add(route.carrier()));
            for (int i = 0; i < list.size(); i++) {
                String path = "options.fallback.carriers[" + i + "]";
                JsonNode item = list.get(i);
                CarrierType carrier = item.isTextual()
                        ? CarrierType.fromWireName(item.asText()).orElse(null)
                        : null;
                if (carrier == null || !configured.contains(carrier)) {
                    throw ApiException.invalidField(
                            path,
                            "'" + item.asText() + "' is not a carrier configured here; configured: "
                                    + configured.stream()
                                            .map(CarrierType::wireName)
                                            .sorted()
                                            .toList());
                }
                if (!carriers.contains(carrier)) {
                    carriers.add(carrier);
                }
            }
        }
        String onTimeout = text(node, "options.fallback.onTimeout", "onTimeout", false);
        DeliveryFallback.OnTimeout action = DeliveryFallback.OnTimeout.SEND;
        if (onTimeout != null) {
            try {
                action = DeliveryFallback.OnTimeout.fromWireName(onTimeout);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidField("options.fallback.onTimeout", "must be send or notify");
            }
        }
        return new DeliveryFallback(after.asInt(), carriers, action);
    }

    private static List<MessageContent.Interactive.Button> buttons(JsonNode content) {
        JsonNode buttons = content.get("buttons");
        if (buttons == null || !buttons.isArray() || buttons.isEmpty()) {
            throw ApiException.invalidField("content.buttons", "must list at least one {id, title}");
        }
        if (buttons.size() > MAX_BUTTONS) {
            throw ApiException.invalidField("content.buttons", "at most " + MAX_BUTTONS + " buttons");
        }
        List<MessageContent.Interactive.Button> result = new ArrayList<>();
        for (int i = 0; i < buttons.size(); i++) {
            String path = "content.buttons[" + i + "]";
            if (!buttons.get(i).isObject()) {
                throw ApiException.invalidField(path, "must be an object {id, title}");
            }
            String id = text(buttons.get(i), path + ".id", "id", true);
            String title = text(buttons.get(i), path + ".title", "title", true);
            if (id.length() > 256) {
                throw ApiException.invalidField(path + ".id", "at most 256 characters");
            }
            result.add(new MessageContent.Interactive.Button(id, title));
        }
        return result;
    }

    private static Map<String, String> params(JsonNode content) {
        JsonNode params = content.get("templateParams");
        Map<String, String> result = new LinkedHashMap<>();
        if (params == null || params.isNull()) {
            return result;
        }
        if (!params.isObject()) {
            throw ApiException.invalidField("content.templateParams", "must be an object of names to text values");
        }
        for (Map.Entry<String, JsonNode> p : params.properties()) {
            if (!p.getValue().isValueNode() || p.getValue().isNull()) {
                throw ApiException.invalidField("content.templateParams." + p.getKey(), "must be text");
            }
            result.put(p.getKey(), p.getValue().asText());
        }
        return result;
    }

    private Instant instant(JsonNode options, String field) {
        String raw = text(options, "options." + field, field, false);
        if (raw == null) {
            return null;
        }
        Instant at;
        try {
            at = Instant.parse(raw);
        } catch (DateTimeParseException e) {
            throw ApiException.invalidField(
                    "options." + field, "must be an ISO-8601 time such as 2026-11-25T14:00:00Z");
        }
        // the store keeps ordinary timestamps; Instant itself reaches the year one billion
        if (at.isBefore(EARLIEST) || at.isAfter(clock.instant().plus(FURTHEST))) {
            throw ApiException.invalidField(
                    "options." + field, "must lie between 2000 and " + FURTHEST.toDays() + " days from now");
        }
        return at;
    }

    private static JsonNode object(JsonNode parent, String field, boolean required) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.invalidField(field, "is required");
            }
            return null;
        }
        if (!value.isObject()) {
            throw ApiException.invalidField(field, "must be an object");
        }
        return value;
    }

    private static String text(JsonNode parent, String path, String field, boolean required) {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiException.invalidField(path, "is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.invalidField(path, "must be a string");
        }
        if (required && value.asText().isBlank()) {
            throw ApiException.invalidField(path, "must not be empty");
        }
        return value.asText();
    }

    private static String e164(String raw, String field) {
        if (!E164.matcher(raw).matches()) {
            throw ApiException.invalidField(field, "must be an E.164 number such as +14155550100");
        }
        return PhoneNumber.e164(raw);
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A message as the query API shows it, plus every send attempt for an outbound one and the business
     * rules that fired for an inbound one.
     */
    void message(Context ctx) {
        Message message = QueryRoutes.readable(store, ctx, ctx.pathParam("messageId"));
        ObjectNode json = Json.MAPPER.valueToTree(media.view(message));
        json.set("attempts", Json.MAPPER.valueToTree(outbound.attempts(message.messageId())));
        businessRules.rulesFired(message.messageId()).ifPresent(fired -> json.set("rulesFired", fired));
        JsonBody.write(ctx, 200, json);
    }

    void carriers(Context ctx) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (CarrierRoute route : selector.routes()) {
            var breaker = health.breaker(route);
            var metrics = breaker.getMetrics();
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("name", route.carrier().wireName());
            item.put("account", route.account());
            item.put("capabilities", route.adapter().capabilities());
            item.put("health", health.health(route).wireName());
            item.put("circuitBreaker", breaker.getState().name().toLowerCase(java.util.Locale.ROOT));
            // -1 until the breaker has seen its minimum number of calls
            item.put("errorRate", metrics.getFailureRate() < 0 ? null : metrics.getFailureRate() / 100.0);
            item.put("recentCalls", metrics.getNumberOfBufferedCalls());
            item.put("costPerMessage", route.costPerMessage());
            items.add(item);
        }
        JsonBody.write(ctx, 200, Map.of("items", items));
    }

    void routingRules(Context ctx) {
        JsonBody.write(ctx, 200, Map.of("items", outbound.routingRules()));
    }

    void addRoutingRule(Context ctx) {
        JsonNode body = JsonBody.readObject(ctx.bodyAsBytes());
        String prefix = text(body, "prefix", "prefix", true);
        if (!prefix.matches("\\+[0-9]{1,15}")) {
            throw ApiException.invalidField("prefix", "must be '+' and 1 to 15 digits, such as +44 or +1415");
        }
        String carrierName = text(body, "carrier", "carrier", true);
        CarrierType carrier = CarrierType.fromWireName(carrierName)
                .orElseThrow(() -> ApiException.invalidField("carrier", "unknown carrier '" + carrierName + "'"));
        JsonNode priority = body.get("priority");
        if (priority != null && !priority.isNull() && !priority.canConvertToInt()) {
            throw ApiException.invalidField("priority", "must be a whole number");
        }
        JsonNode cost = body.get("costPerMessage");
        BigDecimal costPerMessage = null;
        if (cost != null && !cost.isNull()) {
            if (!cost.isNumber() || cost.decimalValue().signum() < 0) {
                throw ApiException.invalidField("costPerMessage", "must be a number, zero or more");
            }
            costPerMessage = cost.decimalValue();
        }
        RoutingRule stored = outbound.addRoutingRule(new RoutingRule(
                null,
                prefix,
                carrier,
                priority == null || priority.isNull() ? 0 : priority.asInt(),
                costPerMessage,
                null));
        rulesChanged.run();
        JsonBody.write(ctx, 201, stored);
    }

    void deleteRoutingRule(Context ctx) {
        if (!outbound.deleteRoutingRule(ctx.pathParam("ruleId"))) {
            throw ApiException.notFound("routing_rule_not_found", "no routing rule has this id");
        }
        rulesChanged.run();
        ctx.status(204);
    }

    void deadLetters(Context ctx) {
        JsonBody.write(ctx, 200, Map.of("items", outbound.deadLetters(500)));
    }

    void replayDeadLetter(Context ctx) {
        var replayed = outbound.replay(ctx.pathParam("deadLetterId"))
                .orElseThrow(() -> ApiException.notFound(
                        "dead_letter_not_found", "no dead letter has this id, or it was already replayed"));
        JsonBody.write(ctx, 202, replayed);
    }
}
