package io.omniservice.carriers.messagebird;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.model.CarrierType;
import java.util.Set;

/**
 * Reads {@code carriers.messagebird.<account>}: {@code signingKey} (required, the key MessageBird signs
 * webhooks with) and, for the outbound side, {@code accessKey}, {@code apiBaseUrl} and
 * {@code conversationsBaseUrl}.
 */
public final class MessageBirdProvider implements CarrierProvider {
    static final String SIGNING_KEY = "signingKey";
    static final String ACCESS_KEY = "accessKey";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String CONVERSATIONS_BASE_URL = "conversationsBaseUrl";

    @Override
    public CarrierType type() {
        return CarrierType.MESSAGEBIRD;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(SIGNING_KEY, ACCESS_KEY, API_BASE_URL, CONVERSATIONS_BASE_URL));
        String signingKey = settings.require(SIGNING_KEY);
        // Validated now so that a typo stops start-up; the outbound side will use them.
        settings.url(API_BASE_URL, "https://rest.messagebird.com");
        settings.url(CONVERSATIONS_BASE_URL, "https://conversations.messagebird.com");
        MessageBirdSignature signature = new MessageBirdSignature(
                signingKey, context.clock(), context.replayGuard(), "messagebird/" + settings.account());
        return new MessageBirdAdapter(settings.account(), signature);
    }
}
