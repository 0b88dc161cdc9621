package io.omniservice.carriers.messagebird;

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
 * Reads {@code carriers.messagebird.<account>}: {@code signingKey} (required, the key MessageBird signs
 * webhooks with) and, for the outbound side, {@code accessKey} (sent as {@code Authorization: AccessKey}),
 * {@code originator} (the default SMS sender: a number or an alphanumeric name), {@code channelId} (a
 * Conversations API channel: when set, the account sends everything through the Conversations API from that
 * channel), {@code apiBaseUrl} (default {@code https://rest.messagebird.com}),
 * {@code conversationsBaseUrl} (default {@code https://conversations.messagebird.com}) and {@code mediaBaseUrl}
 * (default {@code https://media.messagebird.com}, the only origin inbound media is fetched from with the access
 * key), and {@code numbers}, an SMS sender pool (numbers or names; the {@code originator}, when set, is its first).
 * The account sends only with an {@code accessKey} and an {@code originator}, {@code numbers} or {@code channelId}.
 */
public final class MessageBirdProvider implements CarrierProvider {
    static final String SIGNING_KEY = "signingKey";
    static final String ACCESS_KEY = "accessKey";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String CONVERSATIONS_BASE_URL = "conversationsBaseUrl";
    static final String MEDIA_BASE_URL = "mediaBaseUrl";
    static final String ORIGINATOR = "originator";
    static final String CHANNEL_ID = "channelId";

    @Override
    public CarrierType type() {
        return CarrierType.MESSAGEBIRD;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(
                SIGNING_KEY,
                ACCESS_KEY,
                API_BASE_URL,
                CONVERSATIONS_BASE_URL,
                MEDIA_BASE_URL,
                ORIGINATOR,
                CHANNEL_ID,
                CarrierSettings.NUMBERS));
        String signingKey = settings.require(SIGNING_KEY);
        // Validated even for a receive-only account, so that a typo stops start-up rather than a later send.
        URI apiBaseUrl = settings.url(API_BASE_URL, "https://rest.messagebird.com");
        URI conversationsBaseUrl = settings.url(CONVERSATIONS_BASE_URL, "https://conversations.messagebird.com");
        URI mediaBaseUrl = settings.url(MEDIA_BASE_URL, "https://media.messagebird.com");
        String accessKey = nonBlank(settings, ACCESS_KEY);
        String originator = nonBlank(settings, ORIGINATOR);
        String channelId = nonBlank(settings, CHANNEL_ID);
        List<String> pool = settings.senderPool(originator, PhoneNumber::senderId, PhoneNumber.SENDER_ID_FORMS);
        if (channelId != null && !pool.isEmpty()) {
            throw new ConfigException(
                    settings.path() + "." + CarrierSettings.NUMBERS,
                    "is a pool of SMS senders; an account with a channelId sends everything from that channel");
        }
        if (originator == null && !pool.isEmpty()) {
            originator = pool.getFirst();
        }
        if (accessKey == null && (originator != null || channelId != null)) {
            throw new ConfigException(
                    settings.path() + "." + ACCESS_KEY, "is required to send from an originator or channel");
        }
        Optional<CarrierSender> sender = Optional.empty();
        if (accessKey != null && (originator != null || channelId != null)) {
            sender = Optional.of(CarrierSender.pooled(
                    new MessageBirdSender(
                            context.http(),
                            context.clock(),
                            apiBaseUrl,
                            conversationsBaseUrl,
                            accessKey,
                            originator,
                            channelId),
                    pool));
        }
        MessageBirdSignature signature = new MessageBirdSignature(
                signingKey, context.clock(), context.replayGuard(), "messagebird/" + settings.account());
        return new MessageBirdAdapter(
                settings.account(), signature, sender, new MessageBirdMedia(mediaBaseUrl, accessKey));
    }

    /** An optional key that, when present, must say something. */
    private static String nonBlank(CarrierSettings settings, String key) {
        String value = settings.optional(key, null);
        if (value != null && value.isBlank()) {
            throw new ConfigException(settings.path() + "." + key, "must not be blank when set");
        }
        return value;
    }
}
