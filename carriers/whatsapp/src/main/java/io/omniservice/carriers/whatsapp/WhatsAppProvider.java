package io.omniservice.carriers.whatsapp;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import java.net.URI;
import java.util.Set;

/**
 * Reads {@code carriers.whatsapp.<account>}: {@code appSecret} (required, the Meta app secret that keys
 * {@code X-Hub-Signature-256}), {@code verifyToken} (required, the token of the subscription handshake) and,
 * for the outbound side: {@code accessToken} (a system user or business token, sent as {@code Bearer}),
 * {@code phoneNumberId} (the numeric id of the sending business number; with the token, it turns sending on),
 * {@code apiBaseUrl} (default {@code https://graph.facebook.com}), {@code apiVersion} (Graph API version,
 * default {@value #DEFAULT_API_VERSION}) and {@code templateLanguage} (the {@code language.code} of templates
 * sent without one, default {@value #DEFAULT_TEMPLATE_LANGUAGE}).
 */
public final class WhatsAppProvider implements CarrierProvider {
    static final String APP_SECRET = "appSecret";
    static final String VERIFY_TOKEN = "verifyToken";
    static final String ACCESS_TOKEN = "accessToken";
    static final String PHONE_NUMBER_ID = "phoneNumberId";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String API_VERSION = "apiVersion";
    static final String TEMPLATE_LANGUAGE = "templateLanguage";
    static final String DEFAULT_API_VERSION = "v23.0";
    static final String DEFAULT_TEMPLATE_LANGUAGE = "en_US";

    @Override
    public CarrierType type() {
        return CarrierType.WHATSAPP;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(
                APP_SECRET, VERIFY_TOKEN, ACCESS_TOKEN, PHONE_NUMBER_ID, API_BASE_URL, API_VERSION, TEMPLATE_LANGUAGE));
        String appSecret = settings.require(APP_SECRET);
        String verifyToken = settings.require(VERIFY_TOKEN);
        // Validated even for a receive-only account, so that a typo stops start-up rather than the first send.
        URI apiBaseUrl = settings.url(API_BASE_URL, "https://graph.facebook.com");
        String version = settings.optional(API_VERSION, DEFAULT_API_VERSION);
        if (!version.matches("v\\d+\\.\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + API_VERSION,
                    "must be a Graph API version such as v21.0, got '" + version + "'");
        }
        String phoneNumberId = settings.optional(PHONE_NUMBER_ID, null);
        if (phoneNumberId != null && !phoneNumberId.matches("\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + PHONE_NUMBER_ID, "must be the numeric id Meta gives the business number");
        }
        String templateLanguage = settings.optional(TEMPLATE_LANGUAGE, DEFAULT_TEMPLATE_LANGUAGE);
        // Meta's codes are ISO 639 languages with an optional region after an underscore (en, en_US, pt_BR);
        // "en-US" is the usual slip, and Meta would refuse every template sent with it.
        if (!templateLanguage.matches("[a-z]{2,3}(_[A-Z]{2})?")) {
            throw new ConfigException(
                    settings.path() + "." + TEMPLATE_LANGUAGE,
                    "must be a WhatsApp language code such as en_US or pt_BR, got '" + templateLanguage + "'");
        }
        String accessToken = settings.optional(ACCESS_TOKEN, null);
        WhatsAppSender sender = accessToken == null || accessToken.isBlank() || phoneNumberId == null
                ? null
                : new WhatsAppSender(
                        apiBaseUrl,
                        version,
                        phoneNumberId,
                        accessToken,
                        templateLanguage,
                        context.http(),
                        context.clock());
        boolean hasToken = accessToken != null && !accessToken.isBlank();
        // only an account with a token can look media up
        WhatsAppMedia media = new WhatsAppMedia(
                URI.create(apiBaseUrl + "/" + version),
                phoneNumberId,
                hasToken ? accessToken : null,
                context.http().client(),
                context.http().timeout(),
                context.clock());
        return new WhatsAppAdapter(
                settings.account(),
                new WhatsAppSignature(appSecret),
                new WhatsAppSubscription(verifyToken),
                new WhatsAppPayloadParser(settings.account()),
                sender,
                media);
    }
}
