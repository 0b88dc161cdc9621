package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.model.CarrierType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeploymentSettingsTest {
    private static final Path REPO = Path.of("/repo");

    @Test
    void defaultsAreTheNamesTheLambdaConfigurationAssumes() {
        DeploymentSettings settings = DeploymentSettings.fromContext(key -> null, REPO);
        assertThat(settings.tablePrefix()).isEqualTo("omniservice-");
        assertThat(settings.sendQueue()).isEqualTo("omniservice-sends");
        assertThat(settings.secretsPrefix()).isEqualTo("omniservice/");
        assertThat(settings.carrierAccounts()).hasSize(6).allSatisfy((c, a) -> assertThat(a)
                .containsExactly("default"));
        assertThat(settings.lambdaJar()).isEqualTo(Path.of("/repo/aws-lambda/target/omniservice-aws-lambda.jar"));
        assertThat(settings.carrierSecretName(CarrierType.WHATSAPP, "default"))
                .isEqualTo("omniservice/carriers/whatsapp/default");
        assertThat(settings.apiSecretName()).isEqualTo("omniservice/api");
    }

    @Test
    void contextNamesMoreAccountsOrNoneForACarrier() {
        Map<String, Object> context = Map.of(
                "carrierAccounts",
                "twilio=default, eu ; bandwidth=none",
                "tablePrefix",
                "staging-",
                "secretsPrefix",
                "stg/");
        DeploymentSettings settings = DeploymentSettings.fromContext(context::get, REPO);
        assertThat(settings.carrierAccounts().get(CarrierType.TWILIO)).containsExactly("default", "eu");
        assertThat(settings.carrierAccounts()).doesNotContainKey(CarrierType.BANDWIDTH);
        assertThat(settings.carrierAccounts().keySet())
                .containsExactly(
                        CarrierType.WHATSAPP,
                        CarrierType.TWILIO,
                        CarrierType.LIVECHAT,
                        CarrierType.MESSAGEBIRD,
                        CarrierType.INTELIQUENT);
        assertThat(settings.carrierSecretName(CarrierType.TWILIO, "eu")).isEqualTo("stg/carriers/twilio/eu");
        // what the functions read in OMNI_CARRIER_ACCOUNTS: bandwidth has no secret, so no account
        assertThat(settings.carrierAccountsSpec())
                .isEqualTo("whatsapp=default;twilio=default,eu;livechat=default;messagebird=default;"
                        + "inteliquent=default");
        assertThat(settings.tables().name(io.omniservice.aws.dynamo.Tables.MESSAGES))
                .isEqualTo("staging-messages");
    }

    @Test
    void badContextIsRefusedNamingTheKey() {
        assertRefused("carrierAccounts", "signal=default", "carrierAccounts: unknown carrier 'signal'");
        assertRefused("carrierAccounts", "twilio", "carrier=account");
        assertRefused("carrierAccounts", "twilio=a b", "account 'a b' of twilio");
        assertRefused("sendQueue", "bad name", "send queue name");
        assertRefused("tablePrefix", "bad/", "table name prefix");
        assertRefused("publicBaseUrl", "http://x", "publicBaseUrl must be an https URL");
    }

    private static void assertRefused(String key, String value, String message) {
        Map<String, Object> context = Map.of(key, value);
        assertThatThrownBy(() -> DeploymentSettings.fromContext(context::get, REPO))
                .hasMessageContaining(message);
    }

    @Test
    void functionNamesFollowThePrefix() {
        assertThat(LambdaHandler.NOTIFICATION_STEP.functionName("omniservice-"))
                .isEqualTo("omniservice-notification-step");
        assertThat(LambdaHandler.API.functionName("x-")).isEqualTo("x-api");
        assertThat(List.of(LambdaHandler.values()).stream()
                        .map(h -> h.functionName(""))
                        .distinct())
                .hasSize(10);
    }
}
