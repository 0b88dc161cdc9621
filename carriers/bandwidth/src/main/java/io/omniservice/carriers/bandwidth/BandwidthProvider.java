package io.omniservice.carriers.bandwidth;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.CarrierSender;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code carriers.bandwidth.<account>}: {@code callbackUsername} and {@code callbackPassword} (required,
 * the basic-auth credentials set as the Bandwidth application's callback credentials) and, for the outbound
 * side, {@code accountId} (the numeric Bandwidth account id in the createMessage path), {@code apiUsername} and
 * {@code apiPassword} (the API credentials, sent as basic auth), {@code applicationId} (the messaging application
 * the sender number belongs to), {@code from} (the default sender: an E.164 number or short code of that
 * application, used when a send names none), {@code numbers} (a sender pool of such numbers, which may stand in
 * for {@code from}: its first is then the default) and {@code apiBaseUrl} (default {@code https://messaging.bandwidth.com}).
 * The account sends only when all five outbound keys are set; setting some of them stops start-up naming the
 * first one missing, since a half-configured sender is a mistake, not a receive-only account.
 */
public final class BandwidthProvider implements CarrierProvider {
    static final String CALLBACK_USERNAME = "callbackUsername";
    static final String CALLBACK_PASSWORD = "callbackPassword";
    static final String ACCOUNT_ID = "accountId";
    static final String API_USERNAME = "apiUsername";
    static final String API_PASSWORD = "apiPassword";
    static final String APPLICATION_ID = "applicationId";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String FROM = "from";
    private static final String SENDER_FORMS = "an E.164 number such as +19195551234 or a 5-6 digit short code";

    /** In the order a missing one is reported. */
    private static final List<String> OUTBOUND_KEYS =
            List.of(ACCOUNT_ID, API_USERNAME, API_PASSWORD, APPLICATION_ID, FROM);

    @Override
    public CarrierType type() {
        return CarrierType.BANDWIDTH;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(
                CALLBACK_USERNAME,
                CALLBACK_PASSWORD,
                ACCOUNT_ID,
                API_USERNAME,
                API_PASSWORD,
                APPLICATION_ID,
                API_BASE_URL,
                FROM,
                CarrierSettings.NUMBERS));
        String username = settings.require(CALLBACK_USERNAME);
        String password = settings.require(CALLBACK_PASSWORD);
        if (username.indexOf(':') >= 0) {
            // Basic auth joins user and password with the first colon, so a user name cannot hold one (RFC 7617).
            throw new ConfigException(settings.path() + "." + CALLBACK_USERNAME, "must not contain ':'");
        }
        URI apiBaseUrl = settings.url(API_BASE_URL, "https://messaging.bandwidth.com");
        String accountId = settings.optional(ACCOUNT_ID, null);
        if (accountId != null && !accountId.matches("\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + ACCOUNT_ID,
                    "must be the numeric Bandwidth account id, got '" + accountId + "'");
        }
        Optional<CarrierSender> sender = sender(settings, apiBaseUrl, context);
        return new BandwidthAdapter(
                settings.account(),
                new BandwidthCallbackAuth(username, password),
                new BandwidthPayloadParser(settings.account()),
                sender,
                // the API credentials exist only on a sending account (all outbound keys or none)
                new BandwidthMedia(
                        apiBaseUrl,
                        sender.isPresent() ? settings.require(API_USERNAME) : null,
                        sender.isPresent() ? settings.require(API_PASSWORD) : null));
    }

    private static Optional<CarrierSender> sender(CarrierSettings settings, URI apiBaseUrl, CarrierContext context) {
        boolean pooled = settings.values().get(CarrierSettings.NUMBERS) != null;
        boolean any = pooled || OUTBOUND_KEYS.stream().anyMatch(key -> settings.optional(key, null) != null);
        if (!any) {
            return Optional.empty(); // a receive-only account
        }
        for (String key : OUTBOUND_KEYS) {
            // a pool stands in for from: its first number is the default sender
            if (settings.optional(key, "").isBlank() && !(key.equals(FROM) && pooled)) {
                throw new ConfigException(
                        settings.path() + "." + key,
                        "is required to send (the outbound keys are " + OUTBOUND_KEYS + ")");
            }
        }
        String from = settings.optional(FROM, null);
        if (from != null) {
            from = from.trim();
            if (bandwidthSender(from) == null) {
                throw new ConfigException(
                        settings.path() + "." + FROM, "must be " + SENDER_FORMS + ", got '" + from + "'");
            }
        }
        List<String> pool = settings.senderPool(from, BandwidthProvider::bandwidthSender, SENDER_FORMS);
        return Optional.of(CarrierSender.pooled(
                new BandwidthSender(
                        apiBaseUrl,
                        settings.require(ACCOUNT_ID),
                        settings.require(API_USERNAME),
                        settings.require(API_PASSWORD),
                        settings.require(APPLICATION_ID),
                        from != null ? from : pool.getFirst(),
                        context.http(),
                        context.clock()),
                pool));
    }

    /** {@code value} when Bandwidth sends from it: an E.164 number or a 5-6 digit short code; else null. */
    private static String bandwidthSender(String value) {
        return value.matches("\\+[1-9]\\d{6,14}|\\d{5,6}") ? value : null;
    }
}
