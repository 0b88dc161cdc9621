package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.MessageContent;
import java.util.List;
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
 * @param deliveryFallback the request's {@code options.fallback}, or null
 * @param watch set while the job waits for the sent message's receipt, or null
 * @param tried carriers that already carried this content without a receipt (for a fallback message: its
 *     original's), which its send skips
 * @param fallbackOf the message this one sends again after a missing receipt, or null
 * @param acrossChannels {@code options.acrossChannels}: whether the other identities of the recipient's contact
 *     may be reached when no carrier reaches {@code to}; null (as stored before it existed) is false
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
        String traceParent,
        DeliveryFallback deliveryFallback,
        DeliveryWatch watch,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<CarrierType> tried,
        String fallbackOf,
        Boolean acrossChannels) {
    public SendPlan {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(content, "content");
        fallbackTemplateParams = fallbackTemplateParams == null ? Map.of() : Map.copyOf(fallbackTemplateParams);
        tried = tried == null ? List.of() : List.copyOf(tried);
    }

    /** Whether selection may reach the recipient's other identities ({@code options.acrossChannels}). */
    public boolean goesAcrossChannels() {
        return Boolean.TRUE.equals(acrossChannels);
    }

    /** The same plan for another address of the same person (selection across channels). */
    public SendPlan to(String address) {
        return new SendPlan(
                address,
                from,
                content,
                templateLanguage,
                fallbackTemplateId,
                fallbackTemplateParams,
                preferredCarrier,
                selectedCarrier,
                selectedAccount,
                traceParent,
                deliveryFallback,
                watch,
                tried,
                fallbackOf,
                acrossChannels);
    }

    /** A plan with no trace and no delivery fallback. */
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
                null,
                null,
                null,
                List.of(),
                null,
                null);
    }

    /** The same plan with the carrier chosen first, continuing {@code trace} (null for none). */
    public SendPlan selecting(CarrierType carrier, String account, String trace) {
        return new SendPlan(
                to,
                from,
                content,
                templateLanguage,
                fallbackTemplateId,
                fallbackTemplateParams,
                preferredCarrier,
                carrier,
                account,
                trace,
                deliveryFallback,
                watch,
                tried,
                fallbackOf,
                acrossChannels);
    }

    /** The same plan waiting for a receipt ({@code watch}), or no longer ({@code null}). */
    public SendPlan watching(DeliveryWatch newWatch) {
        return new SendPlan(
                to,
                from,
                content,
                templateLanguage,
                fallbackTemplateId,
                fallbackTemplateParams,
                preferredCarrier,
                selectedCarrier,
                selectedAccount,
                traceParent,
                deliveryFallback,
                newWatch,
                tried,
                fallbackOf,
                acrossChannels);
    }
}
