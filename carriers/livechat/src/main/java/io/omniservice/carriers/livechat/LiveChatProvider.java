package io.omniservice.carriers.livechat;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import java.util.Set;

/**
 * Reads {@code carriers.livechat.<account>}: {@code secretKey} (required, the {@code secret_key} the webhooks
 * were registered with) and, for the outbound side, {@code accessToken}, {@code apiBaseUrl} and
 * {@code apiVersion}.
 */
public final class LiveChatProvider implements CarrierProvider {
    static final String SECRET_KEY = "secretKey";
    static final String ACCESS_TOKEN = "accessToken";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String API_VERSION = "apiVersion";

    @Override
    public CarrierType type() {
        return CarrierType.LIVECHAT;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(SECRET_KEY, ACCESS_TOKEN, API_BASE_URL, API_VERSION));
        String secretKey = settings.require(SECRET_KEY);
        // Validated now so that a typo stops start-up; the outbound side will use them.
        settings.url(API_BASE_URL, "https://api.livechatinc.com");
        String version = settings.optional(API_VERSION, "3.5");
        if (!version.matches("\\d+\\.\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + API_VERSION, "must be an API version such as 3.5, got '" + version + "'");
        }
        return new LiveChatAdapter(settings.account(), new LiveChatSecret(secretKey));
    }
}
