package io.omniservice.core.outbound;

import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.PhoneNumber;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Orders the carriers for one message, the seed's four priorities: the request's {@code preferredCarrier}
 * and then the conversation's last carrier, if up; the routing rule with the longest matching prefix, if
 * up ("up" is healthy or degraded: a half-open breaker's trial calls are how a carrier recovers, and it
 * refuses the calls beyond them, which then fall back); then every other carrier that can carry the content, cheapest healthy first, with
 * degraded (half-open) and down (open) carriers last. The first is tried first, the rest are the fallbacks.
 * A carrier is left out when the recipient opted out on its channel or it cannot carry the content even
 * reshaped (a template rendered to text, buttons to numbered options, WhatsApp's window to a template).
 */
public final class CarrierSelector {
    /** The refusal when the request's {@code from} is a number of no account's sender pool that could carry it. */
    public static final String FROM_NOT_IN_POOL = "from_not_in_pool";

    private final List<CarrierRoute> routes;
    private final CarrierHealth health;
    private final TemplateRegistry templates;
    private final Supplier<List<RoutingRule>> rules;
    private final Duration whatsAppWindow;
    private final MediaPipeline media;

    public CarrierSelector(
            List<CarrierRoute> routes,
            CarrierHealth health,
            TemplateRegistry templates,
            Supplier<List<RoutingRule>> rules,
            Duration whatsAppWindow) {
        this(routes, health, templates, rules, whatsAppWindow, MediaPipeline.NONE);
    }

    /** @param media says whether a carrier can take a stored attachment after the conversions it can do */
    public CarrierSelector(
            List<CarrierRoute> routes,
            CarrierHealth health,
            TemplateRegistry templates,
            Supplier<List<RoutingRule>> rules,
            Duration whatsAppWindow,
            MediaPipeline media) {
        this.media = media;
        this.routes = List.copyOf(routes);
        this.health = health;
        this.templates = templates;
        this.rules = rules;
        this.whatsAppWindow = whatsAppWindow;
    }

    public List<CarrierRoute> routes() {
        return routes;
    }

    /** What is known about the recipient when selecting. */
    public record Recipient(
            CarrierType lastCarrier, Set<String> optedOutChannels, Instant lastWhatsAppInbound, Instant now) {}

    /**
     * A carrier to try, with the content shaped for it and the address it sends to: the request's {@code to}, or
     * another identity of the same contact when selection goes across channels.
     */
    public record Candidate(CarrierRoute route, MessageContent content, String to) {}

    /**
     * Another address of the person a send goes to (another identity of their contact), with what is known about
     * it: its own conversation's last carrier, WhatsApp window and opt-outs.
     */
    public record Alternative(String to, Recipient recipient) {}

    /**
     * The carriers in the order to try them; empty with a refusal when none can take the message.
     *
     * @param refusal {@code recipient_opted_out} when only opt-outs stood in the way, {@link #FROM_NOT_IN_POOL}
     *     when the request's {@code from} belongs to none of the accounts with a sender pool, otherwise
     *     {@code no_capable_carrier} with each carrier's reason in {@code detail}
     */
    public record Selection(List<Candidate> candidates, String refusal, String detail) {
        public boolean isEmpty() {
            return candidates.isEmpty();
        }
    }

    public Selection select(SendPlan plan, Recipient recipient) {
        return select(plan, recipient, List.of());
    }

    /**
     * As {@link #select(SendPlan, Recipient)}, then, after every carrier that reaches {@code plan.to()}, the
     * carriers that reach one of the {@code alternatives} (in their order) and are not candidates yet, each with
     * that address, ordered among themselves as for a send to it. The refusal is the request's own address's, when
     * no address can be reached.
     */
    public Selection select(SendPlan plan, Recipient recipient, List<Alternative> alternatives) {
        Selection own = selectFor(plan, recipient);
        if (alternatives.isEmpty()) {
            return own;
        }
        List<Candidate> candidates = new ArrayList<>(own.candidates());
        for (Alternative alternative : alternatives) {
            for (Candidate other : selectFor(plan.to(alternative.to()), alternative.recipient())
                    .candidates()) {
                if (candidates.stream().noneMatch(c -> c.route().equals(other.route()))) {
                    candidates.add(other);
                }
            }
        }
        return candidates.isEmpty() ? own : new Selection(candidates, null, null);
    }

    private Selection selectFor(SendPlan plan, Recipient recipient) {
        Map<CarrierRoute, MessageContent> eligible = new LinkedHashMap<>();
        List<String> reasons = new ArrayList<>();
        boolean optedOutOnly = true;
        boolean notTheirFrom = false;
        for (CarrierRoute route : routes) {
            if (recipient.optedOutChannels().contains(route.carrier().channel())) {
                reasons.add(route.name() + ": recipient opted out on "
                        + route.carrier().channel());
                continue;
            }
            if (!SenderPools.mayUse(route, plan.from())) {
                optedOutOnly = false;
                notTheirFrom = true;
                reasons.add(route.name() + ": from " + PhoneNumber.mask(plan.from()) + " is not one of its numbers");
                continue;
            }
            Shaped shaped = shape(plan, route, recipient);
            if (shaped.content() == null) {
                optedOutOnly = false;
                reasons.add(route.name() + ": " + shaped.reason());
                continue;
            }
            eligible.put(route, shaped.content());
        }
        if (eligible.isEmpty()) {
            if (routes.isEmpty()) {
                return new Selection(List.of(), "no_capable_carrier", "no carrier account is configured to send");
            }
            String refusal =
                    optedOutOnly ? "recipient_opted_out" : notTheirFrom ? FROM_NOT_IN_POOL : "no_capable_carrier";
            return new Selection(List.of(), refusal, String.join("; ", reasons));
        }
        List<CarrierRoute> order = new ArrayList<>();
        Optional<RoutingRule> rule = longestPrefixRule(plan.to());
        if (plan.preferredCarrier() != null) {
            upOf(eligible, plan.preferredCarrier(), plan.to()).forEach(order::add);
        }
        if (recipient.lastCarrier() != null) {
            upOf(eligible, recipient.lastCarrier(), plan.to()).forEach(order::add);
        }
        rule.ifPresent(r -> upOf(eligible, r.carrier(), plan.to()).forEach(order::add));
        Comparator<CarrierRoute> byHealthThenCost = Comparator.<CarrierRoute>comparingInt(
                        r -> health.health(r).ordinal())
                .thenComparing(r -> cost(r, plan.to()));
        eligible.keySet().stream().sorted(byHealthThenCost).forEach(order::add);
        List<Candidate> candidates = order.stream()
                .distinct()
                .map(r -> new Candidate(r, eligible.get(r), plan.to()))
                .toList();
        return new Selection(candidates, null, null);
    }

    private List<CarrierRoute> upOf(Map<CarrierRoute, MessageContent> eligible, CarrierType carrier, String to) {
        return eligible.keySet().stream()
                .filter(r -> r.carrier() == carrier && health.health(r) != CarrierHealth.Health.DOWN)
                .sorted(Comparator.comparing(r -> cost(r, to)))
                .toList();
    }

    private Optional<RoutingRule> longestPrefixRule(String to) {
        return rules.get().stream()
                .filter(r -> to.startsWith(r.prefix()))
                .max(Comparator.<RoutingRule>comparingInt(r -> r.prefix().length())
                        .thenComparing(
                                Comparator.comparingInt(RoutingRule::priority).reversed()));
    }

    /** The carrier's cost for this number: its longest matching rule's cost, else its configured cost. */
    private BigDecimal cost(CarrierRoute route, String to) {
        return rules.get().stream()
                .filter(r -> r.carrier() == route.carrier() && r.costPerMessage() != null && to.startsWith(r.prefix()))
                .max(Comparator.comparingInt(r -> r.prefix().length()))
                .map(RoutingRule::costPerMessage)
                .orElse(route.costPerMessage());
    }

    private record Shaped(MessageContent content, String reason) {
        static Shaped no(String reason) {
            return new Shaped(null, reason);
        }
    }

    /** The content as this carrier can carry it, or why it cannot. */
    private Shaped shape(SendPlan plan, CarrierRoute route, Recipient recipient) {
        CarrierType carrier = route.carrier();
        CarrierCapabilities can = route.adapter().capabilities();
        boolean phone = plan.to().startsWith("+");
        ConversationKey address = new ConversationKey(plan.to());
        boolean whatsAppOnly = address.whatsAppUserId().isPresent()
                || address.groupId(CarrierType.WHATSAPP).isPresent();
        if (whatsAppOnly && carrier != CarrierType.WHATSAPP) {
            return Shaped.no("a WhatsApp user id or group is reached through WhatsApp only");
        }
        if (carrier == CarrierType.LIVECHAT && phone) {
            return Shaped.no("LiveChat sends to a chat (to.chatId), not to a phone number");
        }
        if (carrier != CarrierType.LIVECHAT && !phone && !whatsAppOnly) {
            return Shaped.no("needs a phone number");
        }
        boolean windowClosed = carrier == CarrierType.WHATSAPP
                && (recipient.lastWhatsAppInbound() == null
                        || recipient.lastWhatsAppInbound().plus(whatsAppWindow).isBefore(recipient.now()));
        MessageContent content = plan.content();
        if (windowClosed && !(content instanceof MessageContent.Template)) {
            if (plan.fallbackTemplateId() == null) {
                return Shaped.no("outside WhatsApp's 24-hour window and the request gives no templateId");
            }
            return new Shaped(
                    new MessageContent.Template(
                            content.body(), plan.fallbackTemplateId(), plan.fallbackTemplateParams()),
                    null);
        }
        return switch (content) {
            case MessageContent.Text text -> {
                if (!can.supportsText()) {
                    yield Shaped.no("does not carry text");
                }
                if (text.body().length() > can.maxTextLength()) {
                    yield Shaped.no("text longer than " + can.maxTextLength() + " characters");
                }
                yield new Shaped(text, null);
            }
            case MessageContent.Media attachments -> {
                if (!can.supportsMedia()) {
                    yield Shaped.no("does not carry media");
                }
                Optional<String> unfit = attachments.items().stream()
                        .map(item -> media.unfit(item, can))
                        .flatMap(Optional::stream)
                        .findFirst();
                yield unfit.map(Shaped::no).orElseGet(() -> new Shaped(attachments, null));
            }
            case MessageContent.Template template -> {
                if (carrier == CarrierType.WHATSAPP) {
                    yield can.supportsTemplates() ? new Shaped(template, null) : Shaped.no("no templates");
                }
                if (carrier == CarrierType.TWILIO && template.templateId().matches("HX[0-9a-fA-F]{32}")) {
                    yield new Shaped(template, null);
                }
                yield templates
                        .render(template.templateId(), template.params())
                        .<Shaped>map(text -> new Shaped(new MessageContent.Text(text), null))
                        .orElseGet(() -> Shaped.no("template '" + template.templateId()
                                + "' is not in the template registry (templates.* in the configuration)"));
            }
            case MessageContent.Interactive interactive -> {
                if (can.supportsInteractive() && (carrier == CarrierType.WHATSAPP || carrier == CarrierType.LIVECHAT)) {
                    yield new Shaped(interactive, null);
                }
                yield can.supportsText() ? new Shaped(numbered(interactive), null) : Shaped.no("does not carry text");
            }
            default -> Shaped.no("cannot send " + content.getClass().getSimpleName() + " content");
        };
    }

    /** Buttons as numbered options under the text, for carriers without buttons. */
    static MessageContent.Text numbered(MessageContent.Interactive interactive) {
        StringBuilder text = new StringBuilder(interactive.body());
        text.append("\n");
        List<MessageContent.Interactive.Button> buttons = interactive.buttons();
        for (int i = 0; i < buttons.size(); i++) {
            text.append("\n").append(i + 1).append(". ").append(buttons.get(i).title());
        }
        text.append("\n\nReply with the number of your choice.");
        return new MessageContent.Text(text.toString());
    }
}
