package io.omniservice.server.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.json.Json;
import io.omniservice.core.net.HostResolver;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.server.Gateway;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.support.RunningGateway;
import io.omniservice.store.jdbc.JdbcMessageStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every URL a client asks the gateway to POST to (a message's callback, a subscription, a rule's forward) is
 * refused when it names this machine, a private network or the metadata service, in any spelling; and checked
 * again at each delivery, so a host name rebound to loopback after registration gets nothing.
 */
class CallbackTargetTest {
    private static final List<String> HOSTS = List.of(
            "127.0.0.1",
            "localhost",
            "0.0.0.0",
            "2130706433",
            "0x7f000001",
            "017700000001",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "169.254.169.254",
            "10.1.2.3",
            "192.168.1.1",
            "100.64.0.1",
            "[fc00::1]",
            "[fe80::1]");

    /** A documentation address (TEST-NET-3): public to the guard, never called by these tests. */
    private static final String PUBLIC_URL = "http://203.0.113.10/hook";

    @TempDir
    Path data;

    WireMockServer receiver;
    RunningGateway gateway;

    @BeforeEach
    void startReceiver() {
        receiver = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        receiver.start();
        receiver.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        receiver.stop();
    }

    private void start(String allowedNetworks, HostResolver resolver) {
        gateway = new RunningGateway(
                data,
                1 << 20,
                "",
                "",
                """
                carriers:
                  bandwidth:
                    default:
                      callbackUsername: bw-user
                      callbackPassword: bw-password
                outbound:
                  pollMillis: 20
                  callbacks: {allowedNetworks: %s, initialBackoffMillis: 50}
                notifications: {initialBackoffMillis: 50, maxBackoffSeconds: 1}
                processing:
                  pollMillis: 20
                """.formatted(allowedNetworks),
                ConfiguredCarriers.installedProviders(),
                resolver);
    }

    static Stream<Arguments> refusedTargets() {
        return HOSTS.stream().flatMap(host -> Stream.of("options.callbackUrl", "url", "actions[1].url")
                .map(field -> Arguments.of(field, "http://" + host + ":8080/hook")));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("refusedTargets")
    void privateAndLoopbackTargetsAreRefusedWhenGiven(String field, String url) {
        start("[]", HostResolver.SYSTEM);

        HttpResponse<String> refused = register(field, url);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        JsonNode error = json(refused).path("error");
        assertThat(error.path("code").asText()).isEqualTo("url_not_allowed");
        assertThat(error.path("field").asText()).isEqualTo(field);
        assertThat(error.path("message").asText())
                .startsWith(field + " is not allowed: ")
                .containsAnyOf("outbound.callbacks.allowedNetworks", "non-standard notation");
    }

    @Test
    void aPublicAddressIsAcceptedForEachField() {
        start("[]", HostResolver.SYSTEM);
        for (String field : List.of("url", "actions[1].url")) {
            HttpResponse<String> accepted = register(field, PUBLIC_URL);
            assertThat(accepted.statusCode()).as(field + ": " + accepted.body()).isEqualTo(201);
        }
        // this gateway has no carrier to send with; the callback itself passed
        HttpResponse<String> message = register("options.callbackUrl", PUBLIC_URL);
        assertThat(json(message).path("error").path("code").asText())
                .as(message.body())
                .isEqualTo("no_capable_carrier");
    }

    @Test
    void aUrlOverTwoThousandFortyEightCharactersIsABadRequestNotAServerError() {
        start("[]", HostResolver.SYSTEM);
        String url = PUBLIC_URL + "?pad=" + "a".repeat(2_100);
        for (String field : List.of("options.callbackUrl", "url", "actions[1].url")) {
            HttpResponse<String> refused = register(field, url);
            assertThat(refused.statusCode()).as(field + ": " + refused.body()).isEqualTo(400);
            assertThat(json(refused).path("error").path("code").asText()).isEqualTo("invalid_request");
            assertThat(json(refused).path("error").path("field").asText()).isEqualTo(field);
        }
    }

    @Test
    void aHostThatDoesNotResolveIsRefusedWhenGiven() {
        start("[]", host -> {
            throw new UnknownHostException(host);
        });
        HttpResponse<String> refused = register("url", "https://hooks.invalid/events");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(json(refused).path("error").path("code").asText()).isEqualTo("url_not_allowed");
        assertThat(json(refused).path("error").path("message").asText()).contains("does not resolve");
    }

    @Test
    void allowedNetworksLetTheLoopbackThroughOnPurpose() {
        start("[127.0.0.0/8]", HostResolver.SYSTEM);
        String url = "http://127.0.0.1:" + receiver.port() + "/events";
        HttpResponse<String> made = register("url", url);
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);

        bandwidthInbound("bw-allowed-1");

        await(() ->
                !receiver.findAll(postRequestedFor(urlPathEqualTo("/events"))).isEmpty());
    }

    @Test
    void aHostRe_resolvedToLoopbackAfterRegistrationIsRefusedAtDelivery() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        // public when the subscription is made, this machine ever after: DNS rebinding
        HostResolver rebinding = host ->
                new InetAddress[] {InetAddress.getByName(lookups.getAndIncrement() == 0 ? "203.0.113.10" : "127.0.0.1")
                };
        start("[]", rebinding);
        HttpResponse<String> made = register("url", "http://hooks.example.net:" + receiver.port() + "/events");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);

        bandwidthInbound("bw-rebound-1");

        await(() -> failedAttempts("hooks.example.net") > 0);
        assertThat(lastError("hooks.example.net")).contains("127.0.0.1").contains("loopback");
        assertThat(receiver.findAll(anyRequestedFor(anyUrl())))
                .as("nothing reached the local server")
                .isEmpty();
    }

    @Test
    void aConfiguredRuleForwardingToTheMetadataServiceStopsTheStart() {
        String yaml = """
                server: {port: 0, publicBaseUrl: https://gw.example.com}
                storage: {mode: embedded, embedded: {path: '%s'}}
                api: {keys: [{name: tests, key: %s}]}
                processing:
                  rules:
                    - name: leak
                      actions: [{type: forward, url: "http://169.254.169.254/latest/meta-data/"}]
                """.formatted(data, RunningGateway.API_KEY);
        GatewayConfig config = new ConfigLoader(Map.of()).parse(yaml);
        assertThatThrownBy(() -> Gateway.open(config, List.of(), Clock.systemUTC()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("processing.rules[0].actions[0].url: is not allowed: ")
                .hasMessageContaining("link-local")
                .hasMessageContaining("outbound.callbacks.allowedNetworks");
    }

    // --- helpers

    /** Gives {@code url} in {@code field}: a message's callback, a subscription, or a rule's second action. */
    private HttpResponse<String> register(String field, String url) {
        String quoted = Json.MAPPER.valueToTree(url).toString();
        return switch (field) {
            case "options.callbackUrl" ->
                gateway.as(RunningGateway.API_KEY, "POST", "/v1/messages", """
                        {"to": {"phoneNumber": "+14155550100"}, "content": {"type": "text", "text": "hi"},
                         "options": {"callbackUrl": %s}}""".formatted(quoted));
            case "url" -> gateway.as(RunningGateway.API_KEY, "POST", "/v1/subscriptions", """
                        {"url": %s, "events": ["message.received"]}""".formatted(quoted));
            case "actions[1].url" -> gateway.as(RunningGateway.API_KEY, "POST", "/v1/rules", """
                        {"name": "forward all", "actions": [{"type": "tag", "tag": "seen"},
                         {"type": "forward", "url": %s}]}""".formatted(quoted));
            default -> throw new IllegalArgumentException(field);
        };
    }

    private void bandwidthInbound(String id) {
        String body = "[{\"type\":\"message-received\",\"time\":\"2026-11-25T12:00:00Z\",\"description\":\"Incoming\","
                + "\"to\":\"+14155550198\",\"message\":{\"id\":\"" + id + "\",\"time\":\"2026-11-25T12:00:00Z\","
                + "\"to\":[\"+14155550198\"],\"from\":\"+14155550100\",\"text\":\"hello\","
                + "\"applicationId\":\"93de2206-9669-4e07-948d-329f4b722ee2\",\"owner\":\"+14155550198\","
                + "\"direction\":\"in\",\"segmentCount\":1}}]";
        HttpResponse<String> response = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private int failedAttempts(String host) {
        return query(
                "SELECT COALESCE(MAX(attempts), 0) FROM callback_deliveries WHERE url LIKE ?",
                host,
                rs -> rs.getInt(1));
    }

    private String lastError(String host) {
        return query("SELECT MAX(last_error) FROM callback_deliveries WHERE url LIKE ?", host, rs -> rs.getString(1));
    }

    private interface Column<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T query(String sql, String host, Column<T> column) {
        JdbcMessageStore store = (JdbcMessageStore) gateway.gateway().store();
        try (Connection connection = store.dataSource().getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, "%" + host + "%");
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return column.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(response.body(), e);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
