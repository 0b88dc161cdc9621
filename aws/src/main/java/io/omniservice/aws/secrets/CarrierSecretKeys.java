package io.omniservice.aws.secrets;

import io.omniservice.core.model.CarrierType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys one carrier account's Secrets Manager secret holds: the carrier's configuration keys that are
 * credentials or the account's identity. Shared by the CDK app, which writes each secret with these keys, and the
 * Lambda functions, which refer to each of them, so the two cannot drift apart.
 */
public final class CarrierSecretKeys {
    /** Every key of each carrier's secret, in the order they are written. */
    public static final Map<CarrierType, List<String>> KEYS = keys();

    private CarrierSecretKeys() {}

    private static Map<CarrierType, List<String>> keys() {
        Map<CarrierType, List<String>> keys = new LinkedHashMap<>();
        keys.put(CarrierType.WHATSAPP, List.of("appSecret", "verifyToken", "accessToken", "phoneNumberId"));
        keys.put(CarrierType.TWILIO, List.of("accountSid", "authToken", "from"));
        keys.put(
                CarrierType.BANDWIDTH,
                List.of(
                        "callbackUsername",
                        "callbackPassword",
                        "accountId",
                        "apiUsername",
                        "apiPassword",
                        "applicationId",
                        "from"));
        keys.put(CarrierType.LIVECHAT, List.of("secretKey", "accessToken", "accountId"));
        keys.put(CarrierType.MESSAGEBIRD, List.of("signingKey", "accessKey", "originator"));
        keys.put(CarrierType.INTELIQUENT, List.of("inboundApiKey", "outboundApiKey", "from"));
        return Collections.unmodifiableMap(keys);
    }

    /** The secret's name for a carrier account under a deployment's prefix: {@code <prefix>carriers/<c>/<account>}. */
    public static String secretName(String prefix, CarrierType carrier, String account) {
        return prefix + "carriers/" + carrier.wireName() + "/" + account;
    }
}
