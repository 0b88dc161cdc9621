package io.omniservice.core.workflow;

import io.omniservice.core.model.CarrierType;
import java.util.Set;

/**
 * The answers to compliance keywords: {@code helpText} for HELP and INFO, and optional confirmations of
 * an opt-out or opt-in (null: none sent). {@code carrierAnswersOnLongCodes}: carriers that answer these
 * words themselves on long codes and toll-free numbers (Twilio's Advanced Opt-Out), where the gateway
 * records the keyword but sends nothing, so the customer is not answered twice.
 */
public record ComplianceSettings(
        String helpText, String optOutText, String optInText, Set<CarrierType> carrierAnswersOnLongCodes) {

    public static ComplianceSettings defaults() {
        return new ComplianceSettings(
                "Reply STOP to unsubscribe. Msg&data rates may apply.", null, null, Set.of(CarrierType.TWILIO));
    }
}
