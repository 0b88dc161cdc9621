package io.omniservice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.omniservice.aws.MovableClock;
import io.omniservice.carriers.testkit.CapturedLog;
import io.omniservice.core.access.ClientSecret;
import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.access.SigningSecrets;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierRegistry;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.config.LoadedConfig;
import io.omniservice.server.support.PlayedSecretsManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What one reading of rotated secrets changes in the running parts, and what it leaves alone. */
class SecretRotationTest {
    private static final String SID_ONE = "AC" + "11111111111111111111111111111111";
    private static final String YAML = """
            server:
              publicBaseUrl: https://gw.example.com
            storage:
              mode: embedded
            api:
              keys:
                - {name: shop, key: shop-key-0123456789, signingSecret: "secretsmanager:omni/shop#signingSecret"}
                - {name: ops, key: "secretsmanager:omni/ops#key", scopes: [admin]}
            outbound:
              callbacks:
                signingSecret: secretsmanager:omni/gateway
            carriers:
              twilio:
                default:
                  accountSid: secretsmanager:omni/twilio#accountSid
                  authToken: secretsmanager:omni/twilio#authToken
            """;
    private static final ClientSecretStore NONE_STORED = new ClientSecretStore() {
        @Override
        public Optional<ClientSecret> clientSecret(String clientId) {
            return Optional.empty();
        }

        @Override
        public ClientSecret rotateClientSecret(String clientId, String fresh, Duration overlap) {
            throw new UnsupportedOperationException();
        }
    };

    private final PlayedSecretsManager secretsManager = new PlayedSecretsManager();
    private final MovableClock clock = new MovableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private CarrierRegistry carriers;
    private SigningSecrets signing;
    private SecretRotation rotation;

    @AfterEach
    void stop() {
        if (rotation != null) {
            rotation.close();
        }
        secretsManager.close();
    }

    private void start() {
        secretsManager.secret("omni/shop", Map.of("signingSecret", "shop-signing-one-0123"));
        secretsManager.secret("omni/ops", Map.of("key", "ops-key-one-0123456789"));
        secretsManager.secretString("omni/gateway", "gateway-signing-one-0123");
        secretsManager.secret("omni/twilio", Map.of("accountSid", SID_ONE, "authToken", "token-one"));
        LoadedConfig loaded = new ConfigLoader(Map.of(), clock).readYaml(secretsManager.yaml(60) + YAML);
        GatewayConfig config = loaded.config();
        CarrierContext context = new CarrierContext(Clock.systemUTC(), new InMemoryReplayGuard(Clock.systemUTC()));
        carriers = ConfiguredCarriers.build(config.carriers(), ConfiguredCarriers.installedProviders(), context);
        signing = new SigningSecrets(
                Gateway.configuredSigningSecrets(config),
                null,
                Gateway.gatewaySigningSecret(config),
                NONE_STORED,
                Clock.systemUTC());
        rotation =
                new SecretRotation(loaded, carriers, ConfiguredCarriers.installedProviders(), context, signing, clock);
    }

    @Test
    void rotatedSigningSecretsSignFromTheNextDeliveryAndAKeyThatNeedsARestartIsNamed() {
        start();
        assertThat(signing.of("shop")).containsExactly("shop-signing-one-0123");
        CarrierAdapter twilio = carriers.find("twilio", null).orElseThrow();
        secretsManager.secret("omni/shop", Map.of("signingSecret", "shop-signing-two-0123"));
        secretsManager.secret("omni/ops", Map.of("key", "ops-key-two-0123456789"));
        secretsManager.secretString("omni/gateway", "gateway-signing-two-0123");
        clock.advance(Duration.ofSeconds(61));

        try (CapturedLog log = CapturedLog.of(SecretRotation.class)) {
            assertThat(rotation.refresh())
                    .containsExactlyInAnyOrder(
                            "api.keys[0].signingSecret", "api.keys[1].key", "outbound.callbacks.signingSecret");

            assertThat(log.messages(Level.WARN))
                    .containsExactly(
                            "api.keys[1].key changed in its secret; the gateway uses the new value after a restart");
        }
        assertThat(signing.of("shop")).containsExactly("shop-signing-two-0123");
        assertThat(signing.of(null)).containsExactly("gateway-signing-two-0123");
        // the carrier's secrets did not change: its adapter is the same one
        assertThat(carriers.find("twilio", null)).containsSame(twilio);
    }

    @Test
    void aRotatedCarrierCredentialRebuildsThatAccount() {
        start();
        CarrierAdapter before = carriers.find("twilio", null).orElseThrow();
        secretsManager.secret("omni/twilio", Map.of("accountSid", SID_ONE, "authToken", "token-two"));
        clock.advance(Duration.ofSeconds(61));

        assertThat(rotation.refresh()).containsExactly("carriers.twilio.default.authToken");

        assertThat(carriers.find("twilio", null).orElseThrow()).isNotSameAs(before);
        assertThat(rotation.refresh()).isEmpty();
    }

    @Test
    void refreshIfDueReadsTheSecretsOnlyOnceTheirCacheTimeHasPassed() {
        start();
        CarrierAdapter before = carriers.find("twilio", null).orElseThrow();
        secretsManager.secret("omni/twilio", Map.of("accountSid", SID_ONE, "authToken", "token-two"));
        int reads = secretsManager.requests();

        clock.advance(Duration.ofSeconds(59));
        assertThat(rotation.refreshIfDue()).isEmpty();
        assertThat(secretsManager.requests()).isEqualTo(reads);
        assertThat(carriers.find("twilio", null)).containsSame(before);

        clock.advance(Duration.ofSeconds(2));
        assertThat(rotation.refreshIfDue()).containsExactly("carriers.twilio.default.authToken");
        assertThat(carriers.find("twilio", null).orElseThrow()).isNotSameAs(before);
        // read just now: the next invocation finds nothing due
        int after = secretsManager.requests();
        assertThat(rotation.refreshIfDue()).isEmpty();
        assertThat(secretsManager.requests()).isEqualTo(after);
    }

    @Test
    void refreshIfDueThatCannotReachSecretsManagerKeepsTheValuesInUse() {
        start();
        CarrierAdapter before = carriers.find("twilio", null).orElseThrow();
        secretsManager.close();
        clock.advance(Duration.ofSeconds(61));

        assertThat(rotation.refreshIfDue()).isEmpty();
        assertThat(carriers.find("twilio", null)).containsSame(before);
        assertThat(signing.of("shop")).containsExactly("shop-signing-one-0123");
    }

    @Test
    void aCarrierThatRefusesItsRotatedSettingsKeepsTheAdapterInUseAndSigningStillRotates() {
        start();
        CarrierAdapter before = carriers.find("twilio", null).orElseThrow();
        secretsManager.secret("omni/twilio", Map.of("accountSid", "not-a-sid", "authToken", "token-two"));
        secretsManager.secret("omni/shop", Map.of("signingSecret", "shop-signing-two-0123"));
        clock.advance(Duration.ofSeconds(61));

        try (CapturedLog log = CapturedLog.of(SecretRotation.class)) {
            rotation.refresh();

            assertThat(log.messages(Level.ERROR))
                    .singleElement()
                    .asString()
                    .contains("carriers.twilio.default.accountSid")
                    .doesNotContain("token-two");
        }
        assertThat(carriers.find("twilio", null)).containsSame(before);
        assertThat(signing.of("shop")).containsExactly("shop-signing-two-0123");
    }

    @Test
    void rotatedValuesThatMakeABadConfigurationChangeNothing() {
        start();
        secretsManager.secret("omni/shop", Map.of("signingSecret", "short"));
        secretsManager.secret("omni/twilio", Map.of("accountSid", SID_ONE, "authToken", "token-two"));
        CarrierAdapter before = carriers.find("twilio", null).orElseThrow();
        clock.advance(Duration.ofSeconds(61));

        try (CapturedLog log = CapturedLog.of(SecretRotation.class)) {
            assertThat(rotation.refresh()).isEmpty();

            assertThat(log.messages(Level.ERROR))
                    .containsExactly("rotated secrets make a configuration that cannot work, the one in use stays:"
                            + " api.keys[0].signingSecret: must be at least 16 characters");
        }
        assertThat(signing.of("shop")).containsExactly("shop-signing-one-0123");
        assertThat(carriers.find("twilio", null)).containsSame(before);
        assertThat(List.of(carriers.all())).hasSize(1);
    }
}
