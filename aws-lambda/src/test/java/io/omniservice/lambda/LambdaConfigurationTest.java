package io.omniservice.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The functions' configuration follows the carrier accounts the deployment made a secret for. */
class LambdaConfigurationTest {
    private static Map<String, String> env(String accounts) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OMNI_REGION", "eu-west-1");
        env.put("OMNI_TABLE_PREFIX", "stg-");
        env.put("OMNI_SEND_QUEUE", "stg-sends");
        env.put("OMNI_MEDIA_BUCKET", "stg-media");
        env.put("OMNI_SECRETS_PREFIX", "stg/");
        env.put("OMNI_PUBLIC_BASE_URL", "https://omni.example.com");
        env.put("OMNI_EVENT_TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012:stg-events.fifo");
        env.put("OMNI_CARRIER_ACCOUNTS", accounts);
        return env;
    }

    @Test
    void everyDeployedAccountIsConfiguredFromItsOwnSecretAndNoOther() throws Exception {
        JsonNode config =
                Json.MAPPER.readTree(LambdaConfiguration.yaml(env("whatsapp=default,sales;twilio=eu"), "lambda-1"));
        assertThat(config.at("/carriers/whatsapp/sales/appSecret").asText())
                .isEqualTo("secretsmanager:stg/carriers/whatsapp/sales#appSecret");
        assertThat(config.at("/carriers/whatsapp/default/verifyToken").asText())
                .isEqualTo("secretsmanager:stg/carriers/whatsapp/default#verifyToken");
        assertThat(config.at("/carriers/twilio/eu/authToken").asText())
                .isEqualTo("secretsmanager:stg/carriers/twilio/eu#authToken");
        assertThat(config.at("/carriers/twilio").has("default")).isFalse();
        assertThat(config.get("carriers").has("bandwidth")).isFalse();
        assertThat(config.at("/api/keys/0/key").asText()).isEqualTo("secretsmanager:stg/api#key");
        assertThat(config.at("/storage/aws/tablePrefix").asText()).isEqualTo("stg-");
        assertThat(config.at("/storage/aws/eventTopicArn").asText()).endsWith("stg-events.fifo");
        assertThat(config.at("/server/publicBaseUrl").asText()).isEqualTo("https://omni.example.com");
        assertThat(config.at("/outbound/nodeId").asText()).isEqualTo("lambda-1");
        assertThat(config.at("/media/s3/bucket").asText()).isEqualTo("stg-media");
        assertThat(config.at("/storage/aws").has("endpoints")).isFalse();
    }

    @Test
    void settingsAreMergedOverTheGeneratedConfigurationButNotWhatTheDeploymentOwns() throws Exception {
        Map<String, String> env = env("twilio=eu");
        env.put(
                "OMNI_SETTINGS",
                "{\"carriers\":{\"twilio\":{\"eu\":{\"apiBaseUrl\":\"https://api.dublin.ie1.twilio.com\"}}},"
                        + "\"outbound\":{\"retry\":{\"maxAttempts\":5}}}");
        JsonNode config = Json.MAPPER.readTree(LambdaConfiguration.yaml(env, "lambda-1"));
        assertThat(config.at("/carriers/twilio/eu/apiBaseUrl").asText()).isEqualTo("https://api.dublin.ie1.twilio.com");
        assertThat(config.at("/carriers/twilio/eu/authToken").asText())
                .isEqualTo("secretsmanager:stg/carriers/twilio/eu#authToken");
        assertThat(config.at("/outbound/retry/maxAttempts").asInt()).isEqualTo(5);
        assertThat(config.at("/outbound/nodeId").asText()).isEqualTo("lambda-1");

        env.put("OMNI_SETTINGS", "{\"outbound\":{\"nodeId\":\"shared\"}}");
        assertThatThrownBy(() -> LambdaConfiguration.yaml(env, "n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("OMNI_SETTINGS")
                .hasMessageContaining("outbound.nodeId");
        env.put("OMNI_SETTINGS", "[1]");
        assertThatThrownBy(() -> LambdaConfiguration.yaml(env, "n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("must be a JSON object");
        env.put("OMNI_SETTINGS", "{not json");
        assertThatThrownBy(() -> LambdaConfiguration.yaml(env, "n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not JSON");
    }

    @Test
    void anUnknownCarrierOrMissingVariableNamesTheVariable() {
        assertThatThrownBy(() -> LambdaConfiguration.yaml(env("signal=default"), "n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("OMNI_CARRIER_ACCOUNTS");
        Map<String, String> env = env("twilio=default");
        env.remove("OMNI_PUBLIC_BASE_URL");
        assertThatThrownBy(() -> LambdaConfiguration.yaml(env, "n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("OMNI_PUBLIC_BASE_URL");
    }
}
