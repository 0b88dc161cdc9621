package io.omniservice.carriers.bandwidth;

import io.omniservice.carriers.testkit.CarrierFixtureTest;
import io.omniservice.carriers.testkit.FixtureRequest;
import io.omniservice.carriers.testkit.Prep;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Bandwidth callback cases. The "basic-auth" steps add the {@code Authorization: Basic} header Bandwidth
 * sends with the application's callback credentials, encoded here with the JDK's Base64 (RFC 7617).
 */
class BandwidthFixtureTest extends CarrierFixtureTest {
    static final String USERNAME = "omniservice-callbacks";
    static final String PASSWORD = "pA55:w0rd-with-colon-8f3b1c";
    static final String SECOND_USERNAME = "east-callbacks";
    static final String SECOND_PASSWORD = "second-app-secret-41d0";

    @Override
    protected Map<String, Map<String, Object>> accounts() {
        return Map.of(
                "default",
                Map.of(
                        "callbackUsername", USERNAME,
                        "callbackPassword", PASSWORD,
                        "accountId", "9900001",
                        "apiUsername", "api-user",
                        "apiPassword", "api-password",
                        "applicationId", "93de2206-9669-4e07-948d-329f4b722ee2",
                        "from", "+19195551234"),
                "east",
                Map.of("callbackUsername", SECOND_USERNAME, "callbackPassword", SECOND_PASSWORD));
    }

    @Override
    protected CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        return new BandwidthProvider().create(settings, context);
    }

    @Override
    protected Map<String, Prep> preps() {
        return Map.of(
                "basic-auth", r -> basic(r, USERNAME, PASSWORD),
                "basic-auth-second-account", r -> basic(r, SECOND_USERNAME, SECOND_PASSWORD),
                "basic-auth-wrong-password", r -> basic(r, USERNAME, PASSWORD + "x"),
                "basic-auth-wrong-username", r -> basic(r, "omniservice-callback", PASSWORD),
                "bearer-instead-of-basic", r -> r.setHeader("Authorization", "Bearer " + PASSWORD),
                "basic-auth-not-base64", r -> r.setHeader("Authorization", "Basic %%%not-base64%%%"));
    }

    private static void basic(FixtureRequest request, String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        request.setHeader("Authorization", "Basic " + token);
    }
}
