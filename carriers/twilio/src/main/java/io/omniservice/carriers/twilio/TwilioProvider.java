package io.omniservice.carriers.twilio;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.outbound.CarrierSender;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code carriers.twilio.<account>}: {@code accountSid} and {@code authToken} (required; the token
 * signs webhooks) and, for the outbound side, {@code from} (the default sender: a number, short code,
 * alphanumeric sender ID or {@code whatsapp:+...}), {@code messagingServiceSid} (MG..., lets Twilio pick
 * the sender from the service's pool when no {@code from} is named), {@code apiKeySid} with
 * {@code apiKeySecret} (an API key to authenticate sends with instead of the auth token) and
 * {@code apiBaseUrl} (default {@code https://api.twilio.com}), and {@code numbers}, a sender pool (numbers, short
 * codes or sender ids; {@code from}, when set, is its first). The account sends only when {@code from},
 * {@code numbers} or {@code messagingServiceSid} is set; a sender named on the message wins over all.
 */
public final class TwilioProvider implements CarrierProvider {
    static final String ACCOUNT_SID = "accountSid";
    static final String AUTH_TOKEN = "authToken";
    static final String API_KEY_SID = "apiKeySid";
    static final String API_KEY_SECRET = "apiKeySecret";
    static final String MESSAGING_SERVICE_SID = "messagingServiceSid";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String FROM = "from";

    @Override
    public CarrierType type() {
        return CarrierType.TWILIO;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(
                ACCOUNT_SID,
                AUTH_TOKEN,
                API_KEY_SID,
                API_KEY_SECRET,
                MESSAGING_SERVICE_SID,
                API_BASE_URL,
                FROM,
                CarrierSettings.NUMBERS));
        String accountSid = settings.require(ACCOUNT_SID);
        String authToken = settings.require(AUTH_TOKEN);
        sid(settings, ACCOUNT_SID, "AC", accountSid);
        String apiKeySid = settings.optional(API_KEY_SID, null);
        String apiKeySecret = settings.optional(API_KEY_SECRET, null);
        if ((apiKeySid == null) != (apiKeySecret == null)) {
            String missing = apiKeySid == null ? API_KEY_SID : API_KEY_SECRET;
            throw new ConfigException(
                    settings.path() + "." + missing, "is required when the other half of the API key is set");
        }
        if (apiKeySid != null) {
            sid(settings, API_KEY_SID, "SK", apiKeySid);
        }
        String messagingServiceSid = settings.optional(MESSAGING_SERVICE_SID, null);
        if (messagingServiceSid != null) {
            sid(settings, MESSAGING_SERVICE_SID, "MG", messagingServiceSid);
        }
        // Validated even for a receive-only account, so that a typo stops start-up rather than a later send.
        URI apiBaseUrl = settings.url(API_BASE_URL, "https://api.twilio.com");
        String from = settings.optional(FROM, null);
        if (from != null && from.isBlank()) {
            throw new ConfigException(settings.path() + "." + FROM, "must name a sender when set");
        }
        List<String> pool = settings.senderPool(from, PhoneNumber::senderId, PhoneNumber.SENDER_ID_FORMS);
        if (from == null && !pool.isEmpty()) {
            from = pool.getFirst();
        }
        Optional<CarrierSender> sender = Optional.empty();
        if (from != null || messagingServiceSid != null) {
            sender = Optional.of(CarrierSender.pooled(
                    new TwilioSender(
                            context.http(),
                            context.clock(),
                            apiBaseUrl,
                            accountSid,
                            apiKeySid != null ? apiKeySid : accountSid,
                            apiKeySid != null ? apiKeySecret : authToken,
                            from,
                            messagingServiceSid),
                    pool));
        }
        // Media URLs take the same credentials as the REST API: the API key when one is configured.
        TwilioMedia media = new TwilioMedia(
                apiBaseUrl, apiKeySid != null ? apiKeySid : accountSid, apiKeySid != null ? apiKeySecret : authToken);
        return new TwilioAdapter(
                settings.account(),
                accountSid,
                new TwilioSignature(authToken),
                new TwilioPayloadParser(settings.account()),
                sender,
                media);
    }

    /** Twilio SIDs are a two-letter type prefix and 32 hex digits; a pasted token in the wrong key fails here. */
    private static void sid(CarrierSettings settings, String key, String prefix, String value) {
        if (!value.matches(prefix + "[0-9a-fA-F]{32}")) {
            throw new ConfigException(
                    settings.path() + "." + key, "must be a Twilio SID: '" + prefix + "' followed by 32 hex digits");
        }
    }
}
