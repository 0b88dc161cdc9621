package io.omniservice.infrastructure;

import io.omniservice.core.model.CarrierType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys of each carrier account's secret: the carrier's configuration keys that hold credentials or the
 * account's identity ({@code carriers.<carrier>.<account>.<key>} in the gateway's YAML), which the Lambda
 * configuration refers to as {@code secretsmanager:<prefix>carriers/<carrier>/<account>#<key>}. A deployment
 * creates each secret with these keys holding {@link #FILL_IN}, except the one value the gateway chooses itself
 * (the verify token, callback password or inbound key the carrier is then told), which is generated.
 */
public final class CarrierSecrets {
    /** What a key holds until an operator puts the carrier's value in. */
    public static final String FILL_IN = io.omniservice.core.carrier.CarrierSettings.UNFILLED;

    /** The key a deployment generates per carrier, where the gateway rather than the carrier picks the value. */
    public static final Map<CarrierType, String> GENERATED = generated();

    /** Every key of each carrier's secret, the generated one included, in the order they are written. */
    public static final Map<CarrierType, List<String>> KEYS = keys();

    private CarrierSecrets() {}

    private static Map<CarrierType, List<String>> keys() {
        return io.omniservice.aws.secrets.CarrierSecretKeys.KEYS;
    }

    private static Map<CarrierType, String> generated() {
        Map<CarrierType, String> generated = new LinkedHashMap<>();
        // Meta echoes the verify token we chose; Bandwidth and Inteliquent call us with credentials we chose
        generated.put(CarrierType.WHATSAPP, "verifyToken");
        generated.put(CarrierType.BANDWIDTH, "callbackPassword");
        generated.put(CarrierType.INTELIQUENT, "inboundApiKey");
        return java.util.Collections.unmodifiableMap(generated);
    }

    /**
     * The secret's JSON template: every key of the carrier but the generated one, holding {@link #FILL_IN}
     * (Bandwidth's callback user name is ours too and is {@code omniservice}). Written by hand in key order,
     * so the template is the same on every synthesis.
     */
    public static String template(CarrierType carrier) {
        StringBuilder json = new StringBuilder("{");
        for (String key : KEYS.get(carrier)) {
            if (key.equals(GENERATED.get(carrier))) {
                continue;
            }
            String value = carrier == CarrierType.BANDWIDTH && key.equals("callbackUsername") ? "omniservice" : FILL_IN;
            json.append(json.length() > 1 ? "," : "")
                    .append('"')
                    .append(key)
                    .append("\":\"")
                    .append(value)
                    .append('"');
        }
        return json.append('}').toString();
    }
}
