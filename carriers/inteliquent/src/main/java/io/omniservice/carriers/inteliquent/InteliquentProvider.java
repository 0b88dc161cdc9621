package io.omniservice.carriers.inteliquent;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.model.CarrierType;
import java.util.Set;

/**
 * Reads {@code carriers.inteliquent.<account>}: {@code inboundApiKey} (required; the key the webhook's
 * VerificationToken is derived with) and, for the outbound side, {@code outboundApiKey} (the bearer key of
 * publishMessages) and {@code apiBaseUrl}.
 */
public final class InteliquentProvider implements CarrierProvider {
    static final String INBOUND_API_KEY = "inboundApiKey";
    static final String OUTBOUND_API_KEY = "outboundApiKey";
    static final String API_BASE_URL = "apiBaseUrl";

    @Override
    public CarrierType type() {
        return CarrierType.INTELIQUENT;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(INBOUND_API_KEY, OUTBOUND_API_KEY, API_BASE_URL));
        String inboundApiKey = settings.require(INBOUND_API_KEY);
        // Validated now so that a typo stops start-up; the outbound side will use it.
        settings.url(API_BASE_URL, "https://messagebroker.inteliquent.com");
        return new InteliquentAdapter(
                settings.account(),
                new InteliquentVerificationToken(inboundApiKey),
                new InteliquentPayloadParser(settings.account()));
    }
}
