package io.omniservice.aws.secrets;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.aws.MovableClock;
import io.omniservice.core.config.SecretUnavailableException;
import io.omniservice.core.json.Json;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The source against WireMock answering Secrets Manager's JSON protocol as AWS documents it. */
class SecretsManagerSourceTest {
    private static final String TARGET = "secretsmanager.GetSecretValue";
    private static final Duration TTL = Duration.ofMinutes(5);

    private WireMockServer secretsManager;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private SecretsManagerSource source;

    @BeforeEach
    void start() {
        secretsManager = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        secretsManager.start();
        source = SecretsManagerSource.connect(
                new SecretsManagerSettings(
                        "us-east-1", URI.create(secretsManager.baseUrl()), "test-key-id", "test-secret-key", TTL),
                clock);
    }

    @AfterEach
    void stop() {
        source.close();
        secretsManager.stop();
    }

    @Test
    void aKeyOfAJsonSecretIsItsValue() {
        secret("omni/twilio", Map.of("accountSid", "AC0123", "authToken", "token-one"));

        assertThat(source.resolve("secretsmanager:omni/twilio#authToken")).isEqualTo("token-one");
        assertThat(source.resolve("secretsmanager:omni/twilio#accountSid")).isEqualTo("AC0123");
    }

    @Test
    void withoutAKeyTheWholeStringIsTheValue() {
        secretString("omni/whatsapp-app-secret", "plain-app-secret");

        assertThat(source.resolve("secretsmanager:omni/whatsapp-app-secret")).isEqualTo("plain-app-secret");
    }

    @Test
    void theRequestIsGetSecretValueForTheNamedSecret() {
        secret("omni/twilio", Map.of("authToken", "token-one"));

        source.resolve("secretsmanager:omni/twilio#authToken");

        secretsManager.verify(postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo(TARGET))
                .withHeader("Content-Type", equalTo("application/x-amz-json-1.1"))
                .withRequestBody(equalToJson("{\"SecretId\":\"omni/twilio\"}")));
    }

    @Test
    void aSecretIsReadOnceWithinTheCacheTimeHoweverManyKeysAreUsed() {
        secret("omni/twilio", Map.of("accountSid", "AC0123", "authToken", "token-one"));

        source.resolve("secretsmanager:omni/twilio#authToken");
        clock.advance(TTL.minusSeconds(1));
        source.resolve("secretsmanager:omni/twilio#accountSid");
        source.resolve("secretsmanager:omni/twilio#authToken");

        assertThat(calls("omni/twilio")).isEqualTo(1);
    }

    @Test
    void aRotatedSecretIsSeenOnceTheCacheTimeHasPassed() {
        secret("omni/twilio", Map.of("authToken", "token-one"));
        assertThat(source.resolve("secretsmanager:omni/twilio#authToken")).isEqualTo("token-one");

        secret("omni/twilio", Map.of("authToken", "token-two"));
        clock.advance(TTL.minusSeconds(1));
        assertThat(source.resolve("secretsmanager:omni/twilio#authToken")).isEqualTo("token-one");
        clock.advance(Duration.ofSeconds(2));

        assertThat(source.resolve("secretsmanager:omni/twilio#authToken")).isEqualTo("token-two");
        assertThat(calls("omni/twilio")).isEqualTo(2);
    }

    @Test
    void aSecretThatDoesNotExistIsAnErrorNamingIt() {
        notFound("omni/nothing-here");

        assertThatThrownBy(() -> source.resolve("secretsmanager:omni/nothing-here#authToken"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("secret 'omni/nothing-here' does not exist")
                .hasMessageContaining("ResourceNotFoundException")
                .satisfies(e ->
                        assertThat(((SecretUnavailableException) e).secret()).isEqualTo("omni/nothing-here"));
    }

    @Test
    void aMissingKeyIsAnErrorNamingSecretAndKeyButNoValue() {
        secret("omni/twilio", Map.of("authToken", "token-one"));

        assertThatThrownBy(() -> source.resolve("secretsmanager:omni/twilio#authTokn"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("secret 'omni/twilio' has no key 'authTokn'")
                .message()
                .doesNotContain("token-one");
    }

    @Test
    void aKeyOfASecretThatIsNotJsonIsAnErrorThatDoesNotQuoteIt() {
        secretString("omni/plain", "{not json but secret-material");

        assertThatThrownBy(() -> source.resolve("secretsmanager:omni/plain#authToken"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("secret 'omni/plain' is not a JSON object")
                .hasNoCause()
                .message()
                .doesNotContain("secret-material");
    }

    @Test
    void aKeyHoldingAnObjectIsNotAValue() {
        secretString("omni/nested", "{\"twilio\":{\"authToken\":\"x\"}}");

        assertThatThrownBy(() -> source.resolve("secretsmanager:omni/nested#twilio"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("key 'twilio' of secret 'omni/nested' holds a JSON object");
    }

    @Test
    void aBinarySecretIsRefused() {
        secretsManager.stubFor(getSecretValue("omni/binary")
                .willReturn(ok(Map.of(
                        "ARN",
                        arn("omni/binary"),
                        "Name",
                        "omni/binary",
                        "SecretBinary",
                        "AAECAw==",
                        "VersionId",
                        UUID.randomUUID().toString()))));

        assertThatThrownBy(() -> source.resolve("secretsmanager:omni/binary"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("holds binary data");
    }

    @Test
    void aRefusalOnTheFirstReadIsAnErrorWithTheServicesReason() {
        secretsManager.stubFor(getSecretValue("omni/locked")
                .willReturn(error(400, "AccessDeniedException", "User is not authorized to perform GetSecretValue")));

        assertThatThrownBy(() -> source.resolve("secretsmanager:omni/locked#k"))
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("secret 'omni/locked' could not be read from Secrets Manager")
                .hasMessageContaining("AccessDeniedException");
    }

    @Test
    void whenASecretCannotBeReadAgainItsLastValueStaysAndIsTriedAgainSoon() {
        secret("omni/twilio", Map.of("authToken", "token-one"));
        source.resolve("secretsmanager:omni/twilio#authToken");
        secretsManager.stubFor(getSecretValue("omni/twilio")
                .willReturn(error(500, "InternalServiceError", "An error occurred on the server side.")));
        clock.advance(TTL.plusSeconds(1));

        assertThat(source.resolve("secretsmanager:omni/twilio#authToken")).isEqualTo("token-one");
        assertThat(source.resolve("secretsmanager:omni/twilio#authToken")).isEqualTo("token-one");
        int failedReads = calls("omni/twilio") - 1;

        secret("omni/twilio", Map.of("authToken", "token-two"));
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertThat(source.resolve("secretsmanager:omni/twilio#authToken")).isEqualTo("token-two");
        // the SDK retries a 500 itself; what matters is that the second resolve did not call again
        assertThat(calls("omni/twilio")).isEqualTo(1 + failedReads + 1);
    }

    @Test
    void theSourceKnowsItsReferencesAndItsCacheTime() {
        assertThat(source.isReference("secretsmanager:omni/twilio#authToken")).isTrue();
        assertThat(source.isReference("a-plain-token")).isFalse();
        assertThat(source.refreshInterval()).isEqualTo(TTL);
    }

    // ---- Secrets Manager as WireMock plays it ----

    private int calls(String secretId) {
        return secretsManager
                .findAll(postRequestedFor(urlEqualTo("/"))
                        .withHeader("X-Amz-Target", equalTo(TARGET))
                        .withRequestBody(equalToJson("{\"SecretId\":\"" + secretId + "\"}")))
                .size();
    }

    private static com.github.tomakehurst.wiremock.client.MappingBuilder getSecretValue(String secretId) {
        return post(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo(TARGET))
                .withRequestBody(equalToJson("{\"SecretId\":\"" + secretId + "\"}"));
    }

    private void secret(String secretId, Map<String, String> keys) {
        secretString(secretId, Json.text(keys));
    }

    private void secretString(String secretId, String value) {
        secretsManager.stubFor(getSecretValue(secretId)
                .willReturn(ok(Map.of(
                        "ARN",
                        arn(secretId),
                        "Name",
                        secretId,
                        "SecretString",
                        value,
                        "VersionId",
                        UUID.randomUUID().toString(),
                        "VersionStages",
                        java.util.List.of("AWSCURRENT"),
                        "CreatedDate",
                        1.7727e9))));
    }

    private void notFound(String secretId) {
        secretsManager.stubFor(getSecretValue(secretId)
                .willReturn(
                        error(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder ok(Map<String, Object> body) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody(Json.text(body));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder error(
            int status, String type, String message) {
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .withBody(Json.text(Map.of("__type", type, "Message", message)));
    }

    private static String arn(String secretId) {
        return "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + secretId + "-AbCdEf";
    }
}
