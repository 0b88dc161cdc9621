package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load balancer that passes a send to another node after the first failed mid-request repeats the
 * request with the same {@code X-Request-Id}: from a trusted proxy, the two attempts are one message; from
 * anyone else the header means nothing.
 */
class BalancerRetryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A carrier that can send; where it sends does not matter, the answer to the client comes first. */
    private static final String CARRIERS = """
            carriers:
              twilio:
                default:
                  accountSid: AC00000000000000000000000000000000
                  authToken: twilio-token-0123456789
                  from: "+14155550199"
                  apiBaseUrl: http://127.0.0.1:9
            """;

    private static final String BODY = """
            {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "once"}}""";

    @Test
    void aSendRepeatedByATrustedBalancerIsOneMessage(@TempDir Path data) throws Exception {
        try (RunningGateway gateway = new RunningGateway(
                data,
                1 << 20,
                "  trustedProxies: [127.0.0.1/32, '::1/128']",
                "",
                "",
                CARRIERS,
                ConfiguredCarriers.installedProviders())) {
            HttpResponse<String> first = send(gateway, "5f1c0a9e7b2d4c3a8e6f0b1d2c3a4e5f");
            HttpResponse<String> again = send(gateway, "5f1c0a9e7b2d4c3a8e6f0b1d2c3a4e5f");
            HttpResponse<String> another = send(gateway, "0a1b2c3d4e5f60718293a4b5c6d7e8f9");

            assertThat(first.statusCode()).isEqualTo(202);
            assertThat(again.statusCode()).isEqualTo(202);
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            assertThat(messageId(again)).isEqualTo(messageId(first));
            assertThat(messageId(another)).isNotEqualTo(messageId(first));
        }
    }

    @Test
    void fromAnAddressThatIsNoTrustedProxyTheHeaderMeansNothing(@TempDir Path data) throws Exception {
        try (RunningGateway gateway =
                new RunningGateway(data, 1 << 20, "", "", "", CARRIERS, ConfiguredCarriers.installedProviders())) {
            HttpResponse<String> first = send(gateway, "5f1c0a9e7b2d4c3a8e6f0b1d2c3a4e5f");
            HttpResponse<String> again = send(gateway, "5f1c0a9e7b2d4c3a8e6f0b1d2c3a4e5f");

            assertThat(again.headers().firstValue("Idempotent-Replayed")).isEmpty();
            assertThat(messageId(again)).isNotEqualTo(messageId(first));
        }
    }

    private static HttpResponse<String> send(RunningGateway gateway, String requestId) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(BODY)));
    }

    private static String messageId(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).path("messageId").asText();
    }
}
