package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.MessageContent;
import java.time.Instant;
import java.util.Map;

/**
 * A validated {@code POST /v1/messages} body (the seed's {@code OutboundMessageRequest}).
 *
 * @param to E.164 number, or a LiveChat chat id ({@code to.chatId})
 * @param fallbackTemplateId {@code content.templateId} given beside text: what WhatsApp sends outside
 *     its 24-hour window
 * @param client the API client sending it (its owner), or null for the gateway's own replies
 * @param deliveryFallback {@code options.fallback}, or null
 * @param acrossChannels {@code options.acrossChannels}: when no carrier reaches {@code to}, or all that do fail,
 *     the other identities of the recipient's contact may be reached instead
 */
public record OutboundRequest(
        String to,
        CarrierType preferredCarrier,
        String from,
        MessageContent content,
        String fallbackTemplateId,
        Map<String, String> fallbackTemplateParams,
        String templateLanguage,
        Priority priority,
        Instant scheduledAt,
        Instant expireAt,
        String callbackUrl,
        String client,
        DeliveryFallback deliveryFallback,
        boolean acrossChannels) {

    /** A request with no delivery fallback, kept to its own address. */
    public OutboundRequest(
            String to,
            CarrierType preferredCarrier,
            String from,
            MessageContent content,
            String fallbackTemplateId,
            Map<String, String> fallbackTemplateParams,
            String templateLanguage,
            Priority priority,
            Instant scheduledAt,
            Instant expireAt,
            String callbackUrl,
            String client) {
        this(
                to,
                preferredCarrier,
                from,
                content,
                fallbackTemplateId,
                fallbackTemplateParams,
                templateLanguage,
                priority,
                scheduledAt,
                expireAt,
                callbackUrl,
                client,
                null,
                false);
    }

    /** The same request with other content (its media fetched and stored). */
    public OutboundRequest withContent(MessageContent stored) {
        return new OutboundRequest(
                to,
                preferredCarrier,
                from,
                stored,
                fallbackTemplateId,
                fallbackTemplateParams,
                templateLanguage,
                priority,
                scheduledAt,
                expireAt,
                callbackUrl,
                client,
                deliveryFallback,
                acrossChannels);
    }
}
