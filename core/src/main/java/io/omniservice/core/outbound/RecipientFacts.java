package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import java.time.Instant;
import java.util.Set;

/**
 * What carrier selection needs to know about a recipient, read in one query: the conversation's last
 * carrier (null for a new one), the channels they opted out on, and when they last wrote over WhatsApp
 * (null if never), which opens its 24-hour window.
 */
public record RecipientFacts(CarrierType lastCarrier, Set<String> optedOutChannels, Instant lastWhatsAppInbound) {
    public RecipientFacts {
        optedOutChannels = Set.copyOf(optedOutChannels);
    }
}
