package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.model.CarrierType;
import java.time.Clock;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * A carrier secret, once its FILL_IN values are replaced with the carrier's, is a configuration the carrier's
 * own provider accepts: every key is one it knows, and together they let it receive and send.
 */
class CarrierSecretsTest {
    /** Values of the shape each key takes, as an operator would paste them in. */
    private static final Map<String, String> FILLED = Map.of(
            "from", "+14155550100",
            "phoneNumberId", "106540352242922",
            "accountSid", "AC0123456789abcdef0123456789abcdef",
            "originator", "Omniservice",
            "accountId", "9900000");

    @Test
    void everyCarriersKeysMakeAnAccountItsProviderAccepts() {
        Map<CarrierType, CarrierProvider> providers = new EnumMap<>(CarrierType.class);
        ServiceLoader.load(CarrierProvider.class).forEach(p -> providers.put(p.type(), p));
        assertThat(providers.keySet()).containsExactlyInAnyOrder(CarrierType.values());
        assertThat(CarrierSecrets.KEYS.keySet()).containsExactlyInAnyOrder(CarrierType.values());
        for (CarrierType carrier : CarrierType.values()) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (String key : CarrierSecrets.KEYS.get(carrier)) {
                values.put(key, FILLED.getOrDefault(key, "a-value-for-" + key + "-0123456789abcdef"));
            }
            CarrierSettings settings =
                    new CarrierSettings("carriers." + carrier.wireName() + ".default", "default", values);
            var adapter = providers
                    .get(carrier)
                    .create(settings, new CarrierContext(Clock.systemUTC(), (scope, id, expiresAt) -> true));
            assertThat(adapter).as(carrier.wireName()).isNotNull();
        }
    }

    @Test
    void templatesHoldEveryKeyButTheGeneratedOne() throws Exception {
        for (CarrierType carrier : CarrierType.values()) {
            var template = Synthesized.JSON.readTree(CarrierSecrets.template(carrier));
            for (String key : CarrierSecrets.KEYS.get(carrier)) {
                assertThat(template.has(key))
                        .as(carrier.wireName() + "." + key)
                        .isEqualTo(!key.equals(CarrierSecrets.GENERATED.get(carrier)));
            }
        }
    }
}
