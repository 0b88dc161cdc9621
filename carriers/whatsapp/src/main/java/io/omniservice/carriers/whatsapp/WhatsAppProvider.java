package io.omniservice.carriers.whatsapp;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import java.util.Set;

/**
 * Reads {@code carriers.whatsapp.<account>}: {@code appSecret} (required, the Meta app secret that keys
 * {@code X-Hub-Signature-256}), {@code verifyToken} (required, the token of the subscription handshake) and,
 * for the outbound side, {@code accessToken}, {@code phoneNumberId}, {@code apiBaseUrl} and {@code apiVersion}.
 */
public final class WhatsAppProvider implements CarrierProvider {
    static final String APP_SECRET = "appSecret";
    static final String VERIFY_TOKEN = "verifyToken";
    static final String ACCESS_TOKEN = "accessToken";
    static final String PHONE_NUMBER_ID = "phoneNumberId";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String API_VERSION = "apiVersion";

    @Override
    public CarrierType type() {
        return CarrierType.WHATSAPP;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(
                Set.of(APP_SECRET, VERIFY_TOKEN, ACCESS_TOKEN, PHONE_NUMBER_ID, API_BASE_URL, API_VERSION));
        String appSecret = settings.require(APP_SECRET);
        String verifyToken = settings.require(VERIFY_TOKEN);
        // Validated now so that a typo stops start-up; the outbound side will use them.
        settings.url(API_BASE_URL, "https://graph.facebook.com");
        String version = settings.optional(API_VERSION, null);
        if (version != null && !version.matches("v\\d+\\.\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + API_VERSION,
                    "must be a Graph API version such as v21.0, got '" + version + "'");
        }
        String phoneNumberId = settings.optional(PHONE_NUMBER_ID, null);
        if (phoneNumberId != null && !phoneNumberId.matches("\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + PHONE_NUMBER_ID, "must be the numeric id Meta gives the business number");
        }
        return new WhatsAppAdapter(
                settings.account(),
                new WhatsAppSignature(appSecret),
                new WhatsAppSubscription(verifyToken),
                new WhatsAppPayloadParser(settings.account()));
    }
}
