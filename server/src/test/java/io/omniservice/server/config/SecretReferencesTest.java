package io.omniservice.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.aws.MovableClock;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.server.support.PlayedSecretsManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Configuration values written {@code secretsmanager:<id>#<key>}, read from Secrets Manager as WireMock plays it. */
class SecretReferencesTest {
    private static final String BASE = """
            server:
              publicBaseUrl: https://gw.example.com
            storage:
              mode: embedded
            """;
    private static final String TWILIO = """
            carriers:
              twilio:
                default:
                  accountSid: secretsmanager:omni/twilio#accountSid
                  authToken: secretsmanager:omni/twilio#authToken
            """;

    private final PlayedSecretsManager secretsManager = new PlayedSecretsManager();
    private final MovableClock clock = new MovableClock(Instant.parse("2026-03-01T12:00:00Z"));

    @AfterEach
    void stop() {
        secretsManager.close();
    }

    private String yaml(String api, String more) {
        return BASE + secretsManager.yaml(60) + api + more;
    }

    private static String api(String key, String signingSecret) {
        return "api:\n  keys:\n    - name: ops\n      key: " + key + "\n      signingSecret: " + signingSecret + "\n";
    }

    private LoadedConfig read(String yaml) {
        return read(yaml, Map.of());
    }

    private LoadedConfig read(String yaml, Map<String, String> environment) {
        return new ConfigLoader(environment, clock).readYaml(yaml);
    }

    @Test
    void referencesAreReplacedByTheSecretsValuesOneReadPerSecret() {
        secretsManager.secret("omni/twilio", Map.of("accountSid", "AC0123", "authToken", "token-one"));
        secretsManager.secretString("omni/ops-signing", "ops-signing-secret-0123");

        try (LoadedConfig loaded = read(yaml(api("k-0123456789abcdef", "secretsmanager:omni/ops-signing"), TWILIO))) {
            GatewayConfig config = loaded.config();

            var twilio = config.carriers().get(CarrierType.TWILIO).get("default");
            assertThat(twilio.values()).containsEntry("accountSid", "AC0123").containsEntry("authToken", "token-one");
            assertThat(config.api().keys().getFirst().signingSecret()).isEqualTo("ops-signing-secret-0123");
            assertThat(loaded.keysFromSecrets())
                    .containsExactly(
                            "api.keys[0].signingSecret",
                            "carriers.twilio.default.accountSid",
                            "carriers.twilio.default.authToken");
            assertThat(loaded.refreshInterval()).contains(Duration.ofSeconds(60));
            assertThat(secretsManager.reads("omni/twilio")).isEqualTo(1);
        }
    }

    @Test
    void aSecretThatDoesNotExistStopsTheStartNamingTheKeyAndTheSecret() {
        secretsManager.notFound("omni/twilio");

        assertThatThrownBy(() -> read(yaml(api("k-0123456789abcdef", "ops-signing-secret-0123"), TWILIO)))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("carriers.twilio.default.accountSid"))
                .hasMessageContaining("secret 'omni/twilio' does not exist")
                .hasMessageContaining("ResourceNotFoundException");
    }

    @Test
    void aMissingKeyStopsTheStartNamingTheKeyAndTheSecretButNoValue() {
        secretsManager.secret("omni/twilio", Map.of("accountSid", "AC0123", "authTokn", "token-one"));

        assertThatThrownBy(() -> read(yaml(api("k-0123456789abcdef", "ops-signing-secret-0123"), TWILIO)))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("carriers.twilio.default.authToken"))
                .hasMessageContaining("secret 'omni/twilio' has no key 'authToken'")
                .message()
                .doesNotContain("token-one")
                .doesNotContain("AC0123");
    }

    @Test
    void theValueFromTheSecretIsWhatValidationChecks() {
        secretsManager.secretString("omni/ops-signing", "too-short");

        assertThatThrownBy(() -> read(yaml(api("k-0123456789abcdef", "secretsmanager:omni/ops-signing"), "")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("api.keys[0].signingSecret: must be at least 16 characters");
    }

    @Test
    void anEnvironmentOverrideMayBeAReference() {
        secretsManager.secretString("omni/ops-key", "k-from-the-secret-0123");

        try (LoadedConfig loaded = read(
                yaml(api("k-0123456789abcdef", "ops-signing-secret-0123"), ""),
                Map.of("OMNISERVICE_API_KEYS_0_KEY", "secretsmanager:omni/ops-key"))) {
            assertThat(loaded.config().api().keys().getFirst().key()).isEqualTo("k-from-the-secret-0123");
        }
    }

    @Test
    void aMalformedReferenceIsAnErrorNamingItsKey() {
        assertThatThrownBy(() -> read(yaml(api("secretsmanager:#key", "ops-signing-secret-0123"), "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("api.keys[0].key: ")
                .hasMessageContaining("does not name a secret");
    }

    @Test
    void withoutReferencesSecretsManagerIsNeverCalled() {
        try (LoadedConfig loaded = read(yaml(api("k-0123456789abcdef", "ops-signing-secret-0123"), ""))) {
            assertThat(loaded.refreshInterval()).isEmpty();
            assertThat(loaded.keysFromSecrets()).isEmpty();
        }
        assertThat(secretsManager.requests()).isZero();
    }

    @Test
    void theSecretsSectionIsCheckedAndCannotReferToASecret() {
        String api = api("k-0123456789abcdef", "ops-signing-secret-0123");
        assertThatThrownBy(() -> read(BASE + "secrets:\n  secretsManager:\n    regoin: us-east-1\n" + api))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("secrets.secretsManager.regoin: unknown key");
        assertThatThrownBy(() -> read(BASE + "secrets:\n  secretsManager:\n    accessKeyId: secretsmanager:x#y\n"
                        + "    secretAccessKey: z\n" + api))
                .isInstanceOf(ConfigException.class)
                .hasMessage("secrets.secretsManager.accessKeyId: cannot itself come from a secret");
        assertThatThrownBy(() -> read(BASE + "secrets:\n  secretsManager:\n    endpoint: not a url\n" + api))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("secrets.secretsManager.endpoint: must be an http(s) URL");
        assertThatThrownBy(() -> read(BASE + "secrets:\n  secretsManager:\n    cacheTtlSeconds: 0\n" + api))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("secrets.secretsManager.cacheTtlSeconds: must be a whole number from 1");
    }

    @Test
    void readingAgainAfterTheCacheTimeGivesTheRotatedValueAndWhichKeysChanged() {
        secretsManager.secret("omni/twilio", Map.of("accountSid", "AC0123", "authToken", "token-one"));
        try (LoadedConfig first = read(yaml(api("k-0123456789abcdef", "ops-signing-secret-0123"), TWILIO))) {
            secretsManager.secret("omni/twilio", Map.of("accountSid", "AC0123", "authToken", "token-two"));

            LoadedConfig cached = first.reread();
            assertThat(cached.changedSince(first)).isEmpty();
            assertThat(secretsManager.reads("omni/twilio")).isEqualTo(1);

            clock.advance(Duration.ofSeconds(61));
            LoadedConfig rotated = first.reread();

            assertThat(rotated.changedSince(first)).containsExactly("carriers.twilio.default.authToken");
            assertThat(rotated.config()
                            .carriers()
                            .get(CarrierType.TWILIO)
                            .get("default")
                            .values())
                    .containsEntry("authToken", "token-two");
            assertThat(secretsManager.reads("omni/twilio")).isEqualTo(2);
        }
    }

    @Test
    void readingAgainWhenAKeyHasGoneKeepsTheValueInUse() {
        secretsManager.secret("omni/twilio", Map.of("accountSid", "AC0123", "authToken", "token-one"));
        try (LoadedConfig first = read(yaml(api("k-0123456789abcdef", "ops-signing-secret-0123"), TWILIO))) {
            secretsManager.secret("omni/twilio", Map.of("accountSid", "AC0123"));
            clock.advance(Duration.ofSeconds(61));

            LoadedConfig again = first.reread();

            assertThat(again.changedSince(first)).isEmpty();
            assertThat(again.config()
                            .carriers()
                            .get(CarrierType.TWILIO)
                            .get("default")
                            .values())
                    .containsEntry("authToken", "token-one");
        }
    }
}
