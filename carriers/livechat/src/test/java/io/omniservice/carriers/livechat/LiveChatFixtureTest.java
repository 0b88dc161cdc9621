package io.omniservice.carriers.livechat;

import io.omniservice.carriers.testkit.CarrierFixtureTest;
import io.omniservice.carriers.testkit.Prep;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import java.util.Map;

/** LiveChat's webhook cases; each fixture body carries the secret_key itself, as LiveChat sends it. */
class LiveChatFixtureTest extends CarrierFixtureTest {
    @Override
    protected Map<String, Map<String, Object>> accounts() {
        return Map.of(
                "default",
                Map.of("secretKey", "lc-webhook-secret-7Qm2vX9pR4", "accessToken", "dal:test-token"),
                "support",
                Map.of("secretKey", "lc-second-license-secret-K3s8", "apiVersion", "3.6"));
    }

    /** Large values are made here rather than written into the case files, which stay readable. */
    @Override
    protected Map<String, Prep> preps() {
        return Map.of(
                "inflate-author-id", r -> r.setBody(r.bodyText().replace("\"AUTHOR\"", "\"" + "a".repeat(5000) + "\"")),
                "inflate-padding",
                        r -> r.setBody(r.bodyText().replace("\"PAD\"", "\"" + "p".repeat(256 * 1024) + "\"")),
                // everything after the secret_key cut off: only a streaming read of the key gets as far as it
                "break-after-secret",
                        r -> r.setBody(
                                r.bodyText().substring(0, r.bodyText().indexOf(",\"action\"")) + ",\"payload\":{{{"));
    }

    @Override
    protected CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        return new LiveChatProvider().create(settings, context);
    }
}
