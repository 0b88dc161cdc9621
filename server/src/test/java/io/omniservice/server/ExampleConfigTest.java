package io.omniservice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.GatewayConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped config/omniservice.yaml starts a gateway with every installed carrier, as a user would run it. */
class ExampleConfigTest {
    @TempDir
    Path data;

    @Test
    void shippedConfigStartsWithAllCarriersAndServesWhatsAppsHandshake() throws IOException, InterruptedException {
        GatewayConfig config = new ConfigLoader(
                        Map.of("OMNISERVICE_SERVER_PORT", "0", "OMNISERVICE_STORAGE_EMBEDDED_PATH", data.toString()))
                .load(Path.of("../config/omniservice.yaml"));
        HttpClient client = HttpClient.newHttpClient();

        try (Gateway gateway = Gateway.open(config, ConfiguredCarriers.installedProviders(), Clock.systemUTC())) {
            String base = "http://localhost:" + gateway.start();

            var ready = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);

            // Meta's subscription check, answered by the real WhatsApp adapter found through ServiceLoader.
            String handshake =
                    base + "/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=";
            var accepted = client.send(
                    HttpRequest.newBuilder(URI.create(handshake + "dev-whatsapp-verify-token"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            var refused = client.send(
                    HttpRequest.newBuilder(URI.create(handshake + "wrong")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(200);
            assertThat(accepted.body()).isEqualTo("1158201444");
            assertThat(refused.statusCode()).isEqualTo(403);

            // An unsigned POST reaches the real adapter's signature check, and nothing is stored.
            var unsigned = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/webhooks/whatsapp"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"object\":\"whatsapp_business_account\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unsigned.statusCode()).isEqualTo(401);
            assertThat(unsigned.body()).contains("\"error\"");
        }
    }
}
