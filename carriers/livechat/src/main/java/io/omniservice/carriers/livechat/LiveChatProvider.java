package io.omniservice.carriers.livechat;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.CarrierHttp;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code carriers.livechat.<account>}: {@code secretKey} (required, the {@code secret_key} the webhooks
 * were registered with) and, for the outbound side: {@code accessToken} (turns sending on; an agent or bot
 * OAuth token sent as {@code Bearer}, or a personal access token when {@code accountId} is set),
 * {@code accountId} (the Account ID shown beside a personal access token: the two go as
 * {@code Basic base64(accountId:token)}), {@code apiBaseUrl} (default {@code https://api.livechatinc.com}) and
 * {@code apiVersion} (Agent Chat API version, default {@value #DEFAULT_API_VERSION}) and {@code region} (the
 * account's data center, {@code dal} or {@code fra}, sent as {@code X-Region}; by default the prefix of the
 * token, as in {@code fra:…}).
 */
public final class LiveChatProvider implements CarrierProvider {
    static final String SECRET_KEY = "secretKey";
    static final String ACCESS_TOKEN = "accessToken";
    static final String API_BASE_URL = "apiBaseUrl";
    static final String API_VERSION = "apiVersion";
    static final String ACCOUNT_ID = "accountId";
    static final String REGION = "region";
    static final String DEFAULT_API_VERSION = "3.5";
    private static final Pattern REGION_NAME = Pattern.compile("[a-z]{3}");

    @Override
    public CarrierType type() {
        return CarrierType.LIVECHAT;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(Set.of(SECRET_KEY, ACCESS_TOKEN, ACCOUNT_ID, API_BASE_URL, API_VERSION, REGION));
        String secretKey = settings.require(SECRET_KEY);
        // Validated even for a receive-only account, so that a typo stops start-up rather than the first send.
        URI apiBaseUrl = settings.url(API_BASE_URL, "https://api.livechatinc.com");
        String version = settings.optional(API_VERSION, DEFAULT_API_VERSION);
        if (!version.matches("\\d+\\.\\d+")) {
            throw new ConfigException(
                    settings.path() + "." + API_VERSION, "must be an API version such as 3.5, got '" + version + "'");
        }
        String accessToken = blankToNull(settings.optional(ACCESS_TOKEN, null));
        String accountId = blankToNull(settings.optional(ACCOUNT_ID, null));
        if (accountId != null && accessToken == null) {
            throw new ConfigException(
                    settings.path() + "." + ACCOUNT_ID,
                    "goes with a personal access token in " + settings.path() + "." + ACCESS_TOKEN);
        }
        // personal access tokens are Basic auth with the account id; OAuth tokens are Bearer
        String authorization = accessToken == null
                ? null
                : accountId == null ? "Bearer " + accessToken : CarrierHttp.basicAuth(accountId, accessToken);
        Map<String, String> headers = new LinkedHashMap<>();
        if (authorization != null) {
            headers.put("Authorization", authorization);
            region(settings, accessToken).ifPresent(region -> headers.put("X-Region", region));
        }
        LiveChatSender sender = authorization == null
                ? null
                : new LiveChatSender(apiBaseUrl, version, headers, context.http(), context.clock());
        LiveChatMedia media = new LiveChatMedia(
                apiBaseUrl,
                version,
                headers,
                context.http().client(),
                context.http().timeout(),
                context.clock());
        return new LiveChatAdapter(settings.account(), new LiveChatSecret(secretKey), sender, media);
    }

    /**
     * The data center the account lives in, sent as {@code X-Region} as LiveChat asks: the configured
     * {@code region}, else the prefix of the token ({@code fra:…}, {@code dal:…}); none when neither says.
     */
    private static Optional<String> region(CarrierSettings settings, String accessToken) {
        String configured = blankToNull(settings.optional(REGION, null));
        if (configured != null) {
            if (!REGION_NAME.matcher(configured).matches()) {
                throw new ConfigException(
                        settings.path() + "." + REGION,
                        "must be a LiveChat data center such as dal or fra, got '" + configured + "'");
            }
            return Optional.of(configured);
        }
        int colon = accessToken.indexOf(':');
        return colon > 0 && REGION_NAME.matcher(accessToken.substring(0, colon)).matches()
                ? Optional.of(accessToken.substring(0, colon))
                : Optional.empty();
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
