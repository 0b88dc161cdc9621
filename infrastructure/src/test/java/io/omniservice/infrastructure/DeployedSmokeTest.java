package io.omniservice.infrastructure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The smoke suite against a real deployment: posts a WhatsApp webhook signed with the account's app secret to
 * the deployed HTTP API and reads the message back through {@code /v1}. It runs only when asked for, with
 * {@code OMNI_AWS_SMOKE=1} and the deployment's {@code OMNI_AWS_API_URL} (the stack output {@code ApiUrl} or
 * the custom domain), {@code OMNI_AWS_API_KEY} (the {@code key} of the {@code <prefix>api} secret) and
 * {@code OMNI_AWS_WHATSAPP_APP_SECRET} (the {@code appSecret} of {@code <prefix>carriers/whatsapp/default});
 * otherwise it is skipped, saying so. It writes one inbound message from a test number to the deployment.
 */
class DeployedSmokeTest {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static String apiUrl;
    private static String apiKey;
    private static String appSecret;

    @BeforeEach
    void onlyAgainstADeploymentWhenAskedFor() {
        Assumptions.assumeTrue(
                "1".equals(System.getenv("OMNI_AWS_SMOKE")),
                "AWS smoke suite skipped: it runs against a real deployment only with OMNI_AWS_SMOKE=1,"
                        + " OMNI_AWS_API_URL, OMNI_AWS_API_KEY and OMNI_AWS_WHATSAPP_APP_SECRET set");
        apiUrl = required("OMNI_AWS_API_URL").replaceAll("/+$", "");
        apiKey = required("OMNI_AWS_API_KEY");
        appSecret = required("OMNI_AWS_WHATSAPP_APP_SECRET");
    }

    @Test
    void healthAnswers() throws Exception {
        HttpResponse<String> health = HTTP.send(
                HttpRequest.newBuilder(URI.create(apiUrl + "/health/live"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    }

    @Test
    void aSignedWebhookIsStoredAndReadBackThroughTheApi() throws Exception {
        String wamid = "wamid.smoke-" + UUID.randomUUID();
        Instant since = Instant.now().minus(1, ChronoUnit.MINUTES);
        String body = """
                {"object":"whatsapp_business_account","entry":[{"id":"smoke","changes":[{"field":"messages",\
                "value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100",\
                "phone_number_id":"smoke"},"contacts":[{"profile":{"name":"Smoke Test"},"wa_id":"15550100999"}],\
                "messages":[{"from":"15550100999","id":"%s","timestamp":"%d","type":"text",\
                "text":{"body":"omniservice smoke test"}}]}}]}]}""".formatted(wamid, Instant.now().getEpochSecond());
        HttpResponse<String> posted = HTTP.send(
                HttpRequest.newBuilder(URI.create(apiUrl + "/webhooks/whatsapp"))
                        .header("Content-Type", "application/json")
                        .header("X-Hub-Signature-256", "sha256=" + hmacSha256(appSecret, body))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);

        // the carrier index is eventually consistent: poll it for a while
        Instant deadline = Instant.now().plusSeconds(30);
        List<String> seen = new ArrayList<>();
        while (Instant.now().isBefore(deadline)) {
            String query = "carrier=whatsapp&since=" + encode(since.toString()) + "&until="
                    + encode(Instant.now().plus(1, ChronoUnit.MINUTES).toString());
            HttpResponse<String> listed = HTTP.send(
                    HttpRequest.newBuilder(URI.create(apiUrl + "/v1/messages?" + query))
                            .header("Authorization", "Bearer " + apiKey)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            for (JsonNode item : Synthesized.JSON.readTree(listed.body()).path("items")) {
                seen.add(item.path("carrierMessageId").asText());
                if (wamid.equals(item.path("carrierMessageId").asText())) {
                    assertThat(item.path("direction").asText()).isEqualTo("inbound");
                    return;
                }
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("message " + wamid + " not listed within 30 s; saw " + seen);
    }

    private static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("OMNI_AWS_SMOKE=1 needs " + name + " of the deployment to test");
        }
        return value;
    }

    private static String hmacSha256(String key, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
