package io.omniservice.server.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.core.json.Json;
import io.omniservice.core.outbound.EventSignature;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * API clients kept apart on one running gateway: every {@code /v1} route refuses a client without its
 * scope, and what one client creates (messages, subscriptions, rules, callbacks) is another's 404. Clients:
 * {@code tests} (admin), {@code alice} and {@code bob} (the standard scopes), {@code sender} (messages:send).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenancyTest {
    private static final String ALICE = "alice-key-0123456789";
    private static final String BOB = "bob-key-0123456789";
    private static final String SENDER = "sender-key-0123456789";
    private static final String ADMIN = RunningGateway.API_KEY;

    // static: a per-class instance field is not injected before @BeforeAll, so the gateway's database went to
    // ./null and outlived the run, and a second run found bob's secret rotated by the first
    @TempDir
    static Path data;

    WireMockServer remote;
    RunningGateway gateway;

    @BeforeAll
    void start() {
        remote =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        remote.start();
        PlayedBandwidth.accepts(remote);
        remote.stubFor(
                post(urlPathEqualTo("/hooks/alice")).willReturn(aResponse().withStatus(204)));
        remote.stubFor(post(urlPathEqualTo("/hooks/bob")).willReturn(aResponse().withStatus(204)));
        remote.stubFor(
                post(urlPathEqualTo("/callbacks/bob")).willReturn(aResponse().withStatus(204)));
        String base = "http://localhost:" + remote.port();
        gateway = new RunningGateway(
                data,
                1 << 20,
                """
                    - {name: alice, key: %s}
                    - {name: bob, key: %s}
                    - {name: sender, key: %s, scopes: ["messages:send"]}
                """.formatted(ALICE, BOB, SENDER),
                "  limits: {subscriptionsPerClient: 2, rulesPerClient: 2, eventStreamsPerClient: 1}",
                """
                carriers:
                  bandwidth:
                    default:
                      callbackUsername: bw-user
                      callbackPassword: bw-password
                      accountId: "9900000"
                      apiUsername: api-user
                      apiPassword: api-password
                      applicationId: 93de2206-9669-4e07-948d-329f4b722ee2
                      from: "+14155550198"
                      apiBaseUrl: %s
                outbound:
                  nodeId: tenancy-node
                  pollMillis: 20
                  callbacks: {initialBackoffMillis: 50}
                notifications: {initialBackoffMillis: 50, maxBackoffSeconds: 1}
                """.formatted(base),
                ConfiguredCarriers.installedProviders());
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        remote.stop();
    }

    private HttpResponse<String> as(String key, String method, String path, String body) {
        return gateway.as(key, method, path, body);
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private String send(String key, String to, String callbackUrl) {
        String options = callbackUrl == null ? "" : ", \"options\": {\"callbackUrl\": \"" + callbackUrl + "\"}";
        HttpResponse<String> accepted = as(
                key,
                "POST",
                "/v1/messages",
                "{\"to\": {\"phoneNumber\": \"" + to + "\"}, \"content\": {\"type\": \"text\", \"text\": \"hi\"}"
                        + options + "}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return json(accepted).path("messageId").asText();
    }

    private static <T> T await(Supplier<T> probe) {
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met in time");
    }

    @ParameterizedTest(name = "{1} {2} needs {3}")
    @CsvSource({
        "sender-key-0123456789, GET, /v1/messages?status=queued&createdAfter=2026-01-01T00:00:00Z, messages:read",
        "sender-key-0123456789, GET, /v1/conversations, messages:read",
        "sender-key-0123456789, GET, /v1/conversations/any/messages, messages:read",
        "sender-key-0123456789, GET, /v1/contacts?identity=livechat:x, messages:read",
        "sender-key-0123456789, GET, /v1/contacts/any, messages:read",
        "sender-key-0123456789, GET, /v1/contacts/any/messages, messages:read",
        "sender-key-0123456789, GET, /v1/subscriptions, events:read",
        "sender-key-0123456789, POST, /v1/subscriptions, events:read",
        "sender-key-0123456789, GET, /v1/events, events:read",
        "sender-key-0123456789, GET, /v1/rules, rules:write",
        "sender-key-0123456789, POST, /v1/rules, rules:write",
        "sender-key-0123456789, DELETE, /v1/rules/any, rules:write",
        "bob-key-0123456789, GET, /v1/routing-rules, admin",
        "bob-key-0123456789, POST, /v1/routing-rules, admin",
        "bob-key-0123456789, DELETE, /v1/routing-rules/any, admin",
        "bob-key-0123456789, GET, /v1/dead-letters, admin",
        "bob-key-0123456789, POST, /v1/dead-letters/any/replay, admin",
    })
    void aClientWithoutTheRoutesScopeIsRefused403(String key, String method, String path, String scope) {
        HttpResponse<String> response = as(key, method, path, method.equals("POST") ? "{}" : null);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(json(response).path("error").path("code").asText()).isEqualTo("insufficient_scope");
        assertThat(json(response).path("error").path("message").asText()).contains(scope);
    }

    @Test
    void aSendOnlyClientSendsAndReadsItsOwnMessage() {
        String id = send(SENDER, "+14155550101", null);

        assertThat(as(SENDER, "GET", "/v1/messages/" + id, null).statusCode()).isEqualTo(200);
        assertThat(as(SENDER, "GET", "/v1/carriers", null).statusCode()).isEqualTo(200);
        JsonNode me = json(as(SENDER, "GET", "/v1/clients/me", null));
        assertThat(me.path("id").asText()).isEqualTo("sender");
        assertThat(me.path("scopes").toString()).isEqualTo("[\"messages:send\"]");
    }

    @Test
    void anOutboundMessageIsItsSendersAndAdminsAlone() {
        String id = send(ALICE, "+14155550102", null);
        await(() -> "sent"
                        .equals(json(as(ALICE, "GET", "/v1/messages/" + id, null))
                                .path("status")
                                .asText())
                ? true
                : null);

        assertThat(as(BOB, "GET", "/v1/messages/" + id, null).statusCode()).isEqualTo(404);
        assertThat(as(ADMIN, "GET", "/v1/messages/" + id, null).statusCode()).isEqualTo(200);
        JsonNode mine = json(as(ALICE, "GET", "/v1/messages/" + id, null));
        assertThat(mine.path("metadata").path("client").asText()).isEqualTo("alice");

        String listing = "/v1/messages?status=sent&createdAfter=2026-01-01T00:00:00Z&limit=500";
        assertThat(json(as(ALICE, "GET", listing, null)).path("items").findValuesAsText("messageId"))
                .contains(id);
        assertThat(json(as(BOB, "GET", listing, null)).path("items").findValuesAsText("messageId"))
                .doesNotContain(id);
        String conversation = mine.path("conversationId").asText();
        String timeline = "/v1/conversations/" + conversation + "/messages";
        assertThat(json(as(BOB, "GET", timeline, null)).path("items").findValuesAsText("messageId"))
                .doesNotContain(id);
        assertThat(json(as(ADMIN, "GET", timeline, null)).path("items").findValuesAsText("messageId"))
                .contains(id);
    }

    @Test
    void aContactsTimelineShowsEachClientItsOwnOutboundMessagesAlone() {
        String id = send(ALICE, "+14155550105", null);
        JsonNode contact = json(as(ADMIN, "POST", "/v1/contacts", "{\"identities\": [\"+14155550105\"]}"));
        String timeline = "/v1/contacts/" + contact.path("id").asText() + "/messages";

        assertThat(json(as(ALICE, "GET", timeline, null)).path("items").findValuesAsText("messageId"))
                .contains(id);
        assertThat(json(as(ADMIN, "GET", timeline, null)).path("items").findValuesAsText("messageId"))
                .contains(id);
        assertThat(json(as(BOB, "GET", timeline, null)).path("items").findValuesAsText("messageId"))
                .doesNotContain(id);
    }

    @Test
    void subscriptionsAreTheirCreatorsAloneAndCapped() {
        String url = "http://localhost:" + remote.port() + "/hooks/alice";
        HttpResponse<String> created =
                as(ALICE, "POST", "/v1/subscriptions", "{\"url\": \"" + url + "\", \"events\": [\"message.status\"]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = json(created).path("id").asText();
        assertThat(json(created).path("client").asText()).isEqualTo("alice");

        assertThat(as(BOB, "GET", "/v1/subscriptions/" + id, null).statusCode()).isEqualTo(404);
        assertThat(as(BOB, "DELETE", "/v1/subscriptions/" + id, null).statusCode())
                .isEqualTo(404);
        assertThat(json(as(BOB, "GET", "/v1/subscriptions", null)).path("items").findValuesAsText("id"))
                .doesNotContain(id);
        assertThat(json(as(ADMIN, "GET", "/v1/subscriptions?limit=500", null))
                        .path("items")
                        .findValuesAsText("id"))
                .contains(id);
        assertThat(as(ALICE, "GET", "/v1/subscriptions/" + id, null).statusCode())
                .isEqualTo(200);

        String second = json(as(
                        ALICE,
                        "POST",
                        "/v1/subscriptions",
                        "{\"url\": \"" + url + "\", \"events\": [\"message.received\"]}"))
                .path("id")
                .asText();
        HttpResponse<String> third =
                as(ALICE, "POST", "/v1/subscriptions", "{\"url\": \"" + url + "\", \"events\": [\"message.status\"]}");
        assertThat(third.statusCode()).as(third.body()).isEqualTo(409);
        assertThat(json(third).path("error").path("code").asText()).isEqualTo("limit_reached");

        JsonNode page = json(as(ALICE, "GET", "/v1/subscriptions?limit=1", null));
        assertThat(page.path("items")).hasSize(1);
        String cursor = page.path("nextCursor").asText();
        JsonNode next = json(as(ALICE, "GET", "/v1/subscriptions?limit=1&cursor=" + cursor, null));
        List<String> both = new ArrayList<>(page.path("items").findValuesAsText("id"));
        both.addAll(next.path("items").findValuesAsText("id"));
        assertThat(both).containsExactly(id, second);
        assertThat(next.path("nextCursor").isNull()).isTrue();
        assertThat(as(ALICE, "GET", "/v1/subscriptions?cursor=bm90LWFuLWlk", null)
                        .statusCode())
                .isEqualTo(400);

        assertThat(as(ALICE, "DELETE", "/v1/subscriptions/" + id, null).statusCode())
                .isEqualTo(204);
        assertThat(as(ALICE, "DELETE", "/v1/subscriptions/" + second, null).statusCode())
                .isEqualTo(204);
    }

    @Test
    void rulesAreTheirCreatorsAloneAndCapped() {
        String rule = "{\"name\": \"%s\", \"actions\": [{\"type\": \"tag\", \"tag\": \"vip\"}]}";
        HttpResponse<String> created = as(BOB, "POST", "/v1/rules", rule.formatted("bob-1"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = json(created).path("id").asText();

        assertThat(as(ALICE, "GET", "/v1/rules/" + id, null).statusCode()).isEqualTo(404);
        assertThat(as(ALICE, "DELETE", "/v1/rules/" + id, null).statusCode()).isEqualTo(404);
        assertThat(json(as(ALICE, "GET", "/v1/rules", null)).path("items").findValuesAsText("id"))
                .doesNotContain(id);
        assertThat(json(as(ADMIN, "GET", "/v1/rules?limit=500", null))
                        .path("items")
                        .findValuesAsText("id"))
                .contains(id);

        String second = json(as(BOB, "POST", "/v1/rules", rule.formatted("bob-2")))
                .path("id")
                .asText();
        HttpResponse<String> third = as(BOB, "POST", "/v1/rules", rule.formatted("bob-3"));
        assertThat(third.statusCode()).as(third.body()).isEqualTo(409);

        assertThat(as(BOB, "DELETE", "/v1/rules/" + id, null).statusCode()).isEqualTo(204);
        assertThat(as(ADMIN, "DELETE", "/v1/rules/" + second, null).statusCode())
                .isEqualTo(204);
    }

    @Test
    void statusEventsReachOnlyTheSendersSubscriptions() {
        String aliceHook = "http://localhost:" + remote.port() + "/hooks/alice";
        String bobHook = "http://localhost:" + remote.port() + "/hooks/bob";
        String a = json(as(
                        ALICE,
                        "POST",
                        "/v1/subscriptions",
                        "{\"url\": \"" + aliceHook + "\", \"events\": [\"message.status\"]}"))
                .path("id")
                .asText();
        String b = json(as(
                        BOB,
                        "POST",
                        "/v1/subscriptions",
                        "{\"url\": \"" + bobHook + "\", \"events\": [\"message.status\"]}"))
                .path("id")
                .asText();
        try {
            String id = send(ALICE, "+14155550103", null);

            await(() -> remote.findAll(postRequestedFor(urlPathEqualTo("/hooks/alice"))
                                    .withRequestBody(containing(id)))
                            .isEmpty()
                    ? null
                    : true);
            assertThat(remote.findAll(
                            postRequestedFor(urlPathEqualTo("/hooks/bob")).withRequestBody(containing(id))))
                    .as("bob's subscription gets no event about alice's message")
                    .isEmpty();
        } finally {
            as(ALICE, "DELETE", "/v1/subscriptions/" + a, null);
            as(BOB, "DELETE", "/v1/subscriptions/" + b, null);
        }
    }

    @Test
    void callbacksAreSignedWithTheSendersOwnRotatableSecret() {
        String callback = "http://localhost:" + remote.port() + "/callbacks/bob";
        String body =
                "{\"to\": {\"phoneNumber\": \"+14155550104\"}, \"content\": {\"type\": \"text\", \"text\": \"hi\"},"
                        + " \"options\": {\"callbackUrl\": \"" + callback + "\"}}";
        HttpResponse<String> refused = as(BOB, "POST", "/v1/messages", body);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(json(refused).path("error").path("code").asText()).isEqualTo("signing_secret_required");
        assertThat(json(refused).path("error").path("field").asText()).isEqualTo("options.callbackUrl");

        HttpResponse<String> rotated = as(BOB, "POST", "/v1/clients/me/signing-secret", null);
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(201);
        String secret = json(rotated).path("secret").asText();
        assertThat(secret).startsWith("whsec_");
        assertThat(json(as(BOB, "GET", "/v1/clients/me", null))
                        .path("signingSecret")
                        .asText())
                .isEqualTo("rotated");
        assertThat(json(as(BOB, "GET", "/v1/clients/me", null)).toString()).doesNotContain(secret);

        String id = send(BOB, "+14155550104", callback);
        LoggedRequest delivered = await(() ->
                remote
                        .findAll(postRequestedFor(urlPathEqualTo("/callbacks/bob"))
                                .withRequestBody(containing(id)))
                        .stream()
                        .findFirst()
                        .orElse(null));
        assertThat(signatures(delivered)).contains(signature(secret, delivered));
        assertThat(signatures(delivered)).doesNotContain(signature(RunningGateway.SIGNING_SECRET, delivered));

        String next = json(as(BOB, "POST", "/v1/clients/me/signing-secret", null))
                .path("secret")
                .asText();
        String later = send(BOB, "+14155550105", callback);
        LoggedRequest overlapping = await(() ->
                remote
                        .findAll(postRequestedFor(urlPathEqualTo("/callbacks/bob"))
                                .withRequestBody(containing(later)))
                        .stream()
                        .findFirst()
                        .orElse(null));
        assertThat(signatures(overlapping))
                .as("during the overlap both secrets sign")
                .containsExactly(signature(next, overlapping), signature(secret, overlapping));

        assertThat(as(ADMIN, "POST", "/v1/clients/me/signing-secret", null).statusCode())
                .as("a secret fixed in the configuration is changed there")
                .isEqualTo(409);
    }

    @Test
    void aClientHoldsNoMoreEventStreamsThanItsLimit() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var first = client.sendAsync(
                java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/events"))
                        .header("Authorization", "Bearer " + ALICE)
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (var stream = first.get().body()) {
            stream.read(); // the stream is open once its first comment arrives
            HttpResponse<String> second = as(ALICE, "GET", "/v1/events", null);
            assertThat(second.statusCode()).as(second.body()).isEqualTo(429);
            assertThat(json(second).path("error").path("code").asText()).isEqualTo("too_many_streams");
        }
    }

    private static List<String> signatures(LoggedRequest request) {
        List<String> found = new ArrayList<>();
        for (String part : request.getHeader(EventSignature.HEADER).split(",")) {
            if (part.startsWith("v1=")) {
                found.add(part.substring(3));
            }
        }
        return found;
    }

    private static String signature(String secret, LoggedRequest request) {
        String header = request.getHeader(EventSignature.HEADER);
        long t = Long.parseLong(header.substring(2, header.indexOf(',')));
        String full = EventSignature.header(secret, t, request.getBody());
        return full.substring(full.indexOf("v1=") + 3);
    }
}
