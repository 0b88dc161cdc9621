package io.omniservice.carriers.bandwidth;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import java.util.Set;

/**
 * Reads {@code carriers.bandwidth.<account>}: {@code callbackUsername} and {@code callbackPassword} (required,
 * the basic-auth credentials set as the Bandwidth application's callback credentials) and, for the outbound
 * side, {@code accountId}, {@code apiUsername}, {@code apiPassword}, {@code applicationId} and {@code apiBaseUrl}.
 */
public final class BandwidthProvider implements CarrierProvider {
    static final String CALLBACK_USERNAME = "callbackUsername";
    static final String CALLBACK_PASSWORD = "callbackPassword";
    static final String ACCOUNT_ID = "accountId";
    static final String API_USERNAME = "apiUsername";
    static final String API_PASSWORD = "apiPassword";
    static final String APPLICATION_ID = "applicationId";
    static final String API_BASE_URL = "apiBaseUrl";

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
                API_BASE_URL));
        String username = settings.require(CALLBACK_USERNAME);
        String password = settings.require(CALLBACK_PASSWORD);
        if (username.indexOf(':') >= 0) {
            // Basic auth joins user and password with the first colon, so a user name cannot hold one (RFC 7617).
            throw new ConfigException(settings.path() + "." + CALLBACK_USERNAME, "must not contain ':'");
        }
        // Validated now so that a typo stops start-up; the outbound side will use them.
        settings.url(API_BASE_URL, "https://messaging.bandwidth.com");
        String accountId = settings.optional(ACCOUNT_ID, null);
        if (accountId != null && !accountId.matches("\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + ACCOUNT_ID,
                    "must be the numeric Bandwidth account id, got '" + accountId + "'");
        }
        return new BandwidthAdapter(
                settings.account(),
                new BandwidthCallbackAuth(username, password),
                new BandwidthPayloadParser(settings.account()));
    }
}
