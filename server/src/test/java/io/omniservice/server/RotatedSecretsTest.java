package io.omniservice.server;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.BasicCredentials;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.aws.MovableClock;
import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.json.Json;
import io.omniservice.core.net.HostResolver;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.support.PlayedSecretsManager;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running gateway whose Twilio credentials come from Secrets Manager (played by WireMock): a rotated auth
 * token is put to work without a restart, for the webhooks it verifies and the sends it makes.
 */
class RotatedSecretsTest {
    private static final String PUBLIC_BASE_URL = "https://gw.example.com/base";
    private static final String API_KEY = "rotation-test-api-key-0123";
    private static final String SID = "AC" + "5f1e2d3c4b5a69788f1e2d3c4b5a6978";
    private static final String TWILIO_PATH = "/2010-04-01/Accounts/" + SID + "/Messages.json";
    private static final String TOKEN_ONE = "twilio-auth-token-one";
    private static final String TOKEN_TWO = "twilio-auth-token-two";

    @TempDir
    Path data;

    private final PlayedSecretsManager secretsManager = new PlayedSecretsManager();
    private final WireMockServer twilioApi =
            new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Gateway gateway;
    private int port;

    @BeforeEach
    void start() {
        twilioApi.start();
        twilioApi.stubFor(post(urlPathEqualTo(TWILIO_PATH))
                .willReturn(aResponse()
                        .withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"sid":"SM{{randomValue length=32 type='HEXADECIMAL'}}","status":"queued",\
                                "num_segments":"1","error_code":null,"error_message":null}""")));
        secretsManager.secret("omni/twilio", Map.of("authToken", TOKEN_ONE));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        twilioApi.stop();
        secretsManager.close();
    }

    private void startGateway(int cacheTtlSeconds, Clock secretsClock) {
        String yaml = """
                server:
                  port: 0
                  publicBaseUrl: %s
                storage:
                  mode: embedded
                  embedded:
                    path: '%s'
                api:
                  keys:
                    - {name: tests, key: %s, scopes: [admin]}
                %s
                carriers:
                  twilio:
                    default:
                      accountSid: %s
                      authToken: secretsmanager:omni/twilio#authToken
                      from: "+14155550199"
                      apiBaseUrl: %s
                outbound:
                  pollMillis: 20
                """.formatted(
                        PUBLIC_BASE_URL, data, API_KEY, secretsManager.yaml(cacheTtlSeconds), SID, twilioApi.baseUrl());
        gateway = Gateway.open(
                new ConfigLoader(Map.of(), secretsClock).readYaml(yaml),
                ConfiguredCarriers.installedProviders(),
                Clock.systemUTC(),
                HostResolver.SYSTEM);
        port = gateway.start();
    }

    @Test
    void aWebhookSignedWithTheRotatedTokenIsRefusedBeforeTheRotationAndAcceptedAfterWithoutRestart() {
        startGateway(1, Clock.systemUTC());
        assertThat(twilioWebhook(TOKEN_TWO).statusCode()).isEqualTo(403);
        assertThat(twilioWebhook(TOKEN_ONE).statusCode()).isEqualTo(200);

        secretsManager.secret("omni/twilio", Map.of("authToken", TOKEN_TWO));

        // the gateway reads its secrets again every cache time (1 s here) by itself
        await(() -> twilioWebhook(TOKEN_TWO).statusCode() == 200 ? true : null);
        assertThat(twilioWebhook(TOKEN_ONE).statusCode()).isEqualTo(403);
    }

    @Test
    void aSendAfterTheRotationUsesTheRotatedTokenAndWithinTheCacheTimeTheSecretIsNotReadAgain() {
        MovableClock secretsClock = new MovableClock(Instant.now());
        startGateway(600, secretsClock);
        awaitSent(send("before"));
        twilioApi.verify(
                postRequestedFor(urlPathEqualTo(TWILIO_PATH)).withBasicAuth(new BasicCredentials(SID, TOKEN_ONE)));
        secretsManager.secret("omni/twilio", Map.of("authToken", TOKEN_TWO));

        assertThat(gateway.refreshSecrets()).isEmpty();
        assertThat(secretsManager.reads("omni/twilio")).isEqualTo(1);
        secretsClock.advance(Duration.ofSeconds(601));
        assertThat(gateway.refreshSecrets()).containsExactly("carriers.twilio.default.authToken");

        awaitSent(send("after"));
        twilioApi.verify(
                1, postRequestedFor(urlPathEqualTo(TWILIO_PATH)).withBasicAuth(new BasicCredentials(SID, TOKEN_TWO)));
        twilioApi.verify(
                1, postRequestedFor(urlPathEqualTo(TWILIO_PATH)).withBasicAuth(new BasicCredentials(SID, TOKEN_ONE)));
        assertThat(twilioWebhook(TOKEN_TWO).statusCode()).isEqualTo(200);
    }

    @Test
    void anAccountWhoseSecretStillHoldsTheDeploymentsPlaceholderTakesNothingUntilItIsFilledIn() {
        secretsManager.secret("omni/twilio", Map.of("authToken", CarrierSettings.UNFILLED));
        MovableClock secretsClock = new MovableClock(Instant.now());
        startGateway(600, secretsClock);

        // the placeholder is public: a webhook signed with it is not taken, nor one signed with anything else
        HttpResponse<String> forged = twilioWebhook(CarrierSettings.UNFILLED);
        assertThat(forged.statusCode()).isEqualTo(503);
        assertThat(json(forged.body()).path("error").path("code").asText()).isEqualTo("account_not_configured");
        assertThat(json(forged.body()).path("error").path("message").asText())
                .contains("twilio/default")
                .contains("authToken");
        assertThat(twilioWebhook(TOKEN_ONE).statusCode()).isEqualTo(503);
        // a send has no carrier to go over: it fails saying why, and nothing reached Twilio
        String refused = send("not yet");
        var failed = await(() -> {
            var message = message(refused);
            return "failed".equals(message.path("status").asText()) ? message : null;
        });
        assertThat(failed.toString()).contains("account_not_configured");
        twilioApi.verify(0, postRequestedFor(urlPathEqualTo(TWILIO_PATH)));

        secretsManager.secret("omni/twilio", Map.of("authToken", TOKEN_ONE));
        secretsClock.advance(Duration.ofSeconds(601));
        assertThat(gateway.refreshSecrets()).containsExactly("carriers.twilio.default.authToken");

        assertThat(twilioWebhook(TOKEN_ONE).statusCode()).isEqualTo(200);
        assertThat(twilioWebhook(CarrierSettings.UNFILLED).statusCode()).isEqualTo(403);
        awaitSent(send("now"));
    }

    // ---- requests ----

    /** An inbound SMS as Twilio posts it, signed with {@code authToken} over the public URL and the form. */
    private HttpResponse<String> twilioWebhook(String authToken) {
        String messageSid = "SM" + UUID.randomUUID().toString().replace("-", "");
        Map<String, String> params = new TreeMap<>();
        params.put("MessageSid", messageSid);
        params.put("SmsSid", messageSid);
        params.put("SmsMessageSid", messageSid);
        params.put("AccountSid", SID);
        params.put("From", "+14155550123");
        params.put("To", "+14155550199");
        params.put("Body", "hello");
        params.put("NumMedia", "0");
        params.put("NumSegments", "1");
        params.put("SmsStatus", "received");
        params.put("ApiVersion", "2010-04-01");
        String path = "/webhooks/twilio";
        return send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", WebhookSigning.twilioSignature(authToken, PUBLIC_BASE_URL + path, params))
                .POST(HttpRequest.BodyPublishers.ofString(WebhookSigning.formBody(params))));
    }

    private String send(String text) {
        HttpResponse<String> accepted =
                send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/messages"))
                        .header("Authorization", "Bearer " + API_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"to\":{\"phoneNumber\":\"+14155550100\"},\"content\":{\"type\":\"text\",\"text\":\""
                                        + text + "\"}}")));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return json(accepted.body()).path("messageId").asText();
    }

    private void awaitSent(String messageId) {
        await(() -> "sent".equals(message(messageId).path("status").asText()) ? true : null);
    }

    private com.fasterxml.jackson.databind.JsonNode message(String messageId) {
        return json(send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/messages/" + messageId))
                        .header("Authorization", "Bearer " + API_KEY))
                .body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError(body, e);
        }
    }

    private static <T> T await(Supplier<T> probe) {
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met in 15 s");
    }
}
