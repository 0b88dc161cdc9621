package io.omniservice.carriers.inteliquent;

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
 * Reads {@code carriers.inteliquent.<account>}: {@code inboundApiKey} (required; the key the webhook's
 * VerificationToken is derived with) and, for the outbound side, {@code outboundApiKey} (the bearer key of
 * publishMessages), {@code from} (the default sender: a North American number of the account with messaging
 * enabled, as {@code +14155550199}, {@code 14155550199} or {@code 4155550199}) and {@code apiBaseUrl} (default
 * {@code https://messagebroker.inteliquent.com}; {@code /msgbroker/rest/publishMessages} is appended), and
 * {@code numbers}, a sender pool of such numbers (which may stand in for {@code from}). The account
 * sends only when both {@code outboundApiKey} and {@code from} (or {@code numbers}) are set; setting one without the other stops
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
        settings.rejectUnknown(Set.of(INBOUND_API_KEY, OUTBOUND_API_KEY, API_BASE_URL, FROM, CarrierSettings.NUMBERS));
        String inboundApiKey = settings.require(INBOUND_API_KEY);
        URI apiBaseUrl = settings.url(API_BASE_URL, "https://messagebroker.inteliquent.com");
        return new InteliquentAdapter(
                settings.account(),
                new InteliquentVerificationToken(inboundApiKey),
                new InteliquentPayloadParser(settings.account()),
                sender(settings, apiBaseUrl, context));
    }

    private static Optional<CarrierSender> sender(CarrierSettings settings, URI apiBaseUrl, CarrierContext context) {
        boolean pooled = settings.values().get(CarrierSettings.NUMBERS) != null;
        if (settings.optional(OUTBOUND_API_KEY, null) == null && settings.optional(FROM, null) == null && !pooled) {
            return Optional.empty(); // a receive-only account
        }
        String outboundApiKey = settings.require(OUTBOUND_API_KEY);
        String rawFrom = pooled ? settings.optional(FROM, null) : settings.require(FROM);
        String from = rawFrom == null ? null : e164(rawFrom);
        if (rawFrom != null && from == null) {
            throw new ConfigException(
                    settings.path() + "." + FROM, "must be " + SENDER_FORMS + ", got '" + rawFrom + "'");
        }
        // the pool in E.164, as inbound messages name our number; the sender writes each in the broker's form
        List<String> pool = settings.senderPool(from, InteliquentProvider::e164, SENDER_FORMS);
        return Optional.of(CarrierSender.pooled(
                new InteliquentSender(
                        apiBaseUrl,
                        outboundApiKey,
                        InteliquentSender.brokerNumber(from != null ? from : pool.getFirst()),
                        context.http(),
                        context.clock()),
                pool));
    }

    private static final String SENDER_FORMS = "a North American number such as +14155550199";

    /** A North American number in any form the broker takes, as E.164; null when it is not one. */
    private static String e164(String raw) {
        String broker = InteliquentSender.brokerNumber(raw);
        return broker == null ? null : "+" + broker;
    }
}
