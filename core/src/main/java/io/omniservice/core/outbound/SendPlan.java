package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.MessageContent;
import java.util.Map;
import java.util.Objects;

/**
 * What a send job needs to send its message, stored with the job: the request as validated, and the
 * carrier chosen when it was accepted (the first one tried; selection runs again when the job runs).
 *
 * @param to E.164 number, or a LiveChat chat id
 * @param from the requested sender, or null for each account's configured one
 * @param fallbackTemplateId a template for WhatsApp to use when a free-form message is outside its
 *     24-hour window (the seed's {@code templateId} next to {@code text})
 * @param traceParent the W3C {@code traceparent} of the message's trace, which the send continues; null for none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SendPlan(
        String to,
        String from,
        MessageContent content,
        String templateLanguage,
        String fallbackTemplateId,
        Map<String, String> fallbackTemplateParams,
        CarrierType preferredCarrier,
        CarrierType selectedCarrier,
        String selectedAccount,
        String traceParent) {
    public SendPlan(
            String to,
            String from,
            MessageContent content,
            String templateLanguage,
            String fallbackTemplateId,
            Map<String, String> fallbackTemplateParams,
            CarrierType preferredCarrier,
            CarrierType selectedCarrier,
            String selectedAccount) {
        this(
                to,
                from,
                content,
                templateLanguage,
                fallbackTemplateId,
                fallbackTemplateParams,
                preferredCarrier,
                selectedCarrier,
                selectedAccount,
                null);
    }

    public SendPlan {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(content, "content");
        fallbackTemplateParams = fallbackTemplateParams == null ? Map.of() : Map.copyOf(fallbackTemplateParams);
    }
}
