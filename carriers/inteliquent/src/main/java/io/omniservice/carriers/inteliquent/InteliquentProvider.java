package io.omniservice.carriers.inteliquent;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.CarrierSender;
import java.net.URI;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code carriers.inteliquent.<account>}: {@code inboundApiKey} (required; the key the webhook's
 * VerificationToken is derived with) and, for the outbound side, {@code outboundApiKey} (the bearer key of
 * publishMessages), {@code from} (the default sender: a North American number of the account with messaging
 * enabled, as {@code +14155550199}, {@code 14155550199} or {@code 4155550199}) and {@code apiBaseUrl} (default
 * {@code https://messagebroker.inteliquent.com}; {@code /msgbroker/rest/publishMessages} is appended). The account
 * sends only when both {@code outboundApiKey} and {@code from} are set; setting one without the other stops
 * start-up naming the missing key, since a half-configured sender is a mistake, not a receive-only account.
 */
public final class InteliquentProvider implements CarrierProvider {
    static final String INBOUND_API_KEY = "inboundApiKey";
    static final String OUTBOUND_API_KEY = "outboundApiKey";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String FROM = "from";

    @Override
    public CarrierType type() {
        return CarrierType.INTELIQUENT;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(INBOUND_API_KEY, OUTBOUND_API_KEY, API_BASE_URL, FROM));
        String inboundApiKey = settings.require(INBOUND_API_KEY);
        URI apiBaseUrl = settings.url(API_BASE_URL, "https://messagebroker.inteliquent.com");
        return new InteliquentAdapter(
                settings.account(),
                new InteliquentVerificationToken(inboundApiKey),
                new InteliquentPayloadParser(settings.account()),
                sender(settings, apiBaseUrl, context));
    }

    private static Optional<CarrierSender> sender(CarrierSettings settings, URI apiBaseUrl, CarrierContext context) {
        if (settings.optional(OUTBOUND_API_KEY, null) == null && settings.optional(FROM, null) == null) {
            return Optional.empty(); // a receive-only account
        }
        String outboundApiKey = settings.require(OUTBOUND_API_KEY);
        String rawFrom = settings.require(FROM);
        String from = InteliquentSender.brokerNumber(rawFrom);
        if (from == null) {
            throw new ConfigException(
                    settings.path() + "." + FROM,
                    "must be a North American number such as +14155550199, got '" + rawFrom + "'");
        }
        return Optional.of(new InteliquentSender(apiBaseUrl, outboundApiKey, from, context.http(), context.clock()));
    }
}
