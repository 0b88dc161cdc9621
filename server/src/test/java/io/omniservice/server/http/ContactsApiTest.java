package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.Sender;
import io.omniservice.server.support.RunningGateway;
import io.omniservice.server.support.ScriptedCarrier;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code /v1/contacts} on a running gateway: each endpoint, its errors, and the joined timeline. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContactsApiTest {
    private static final String READER = "reader-key-0123456789";

    @TempDir
    static Path data;

    private final ScriptedCarrier bandwidth = new ScriptedCarrier(CarrierType.BANDWIDTH);
    private final ScriptedCarrier liveChat = new ScriptedCarrier(CarrierType.LIVECHAT);
    private RunningGateway gateway;

    @BeforeAll
    void start() {
        gateway = new RunningGateway(
                data,
                1 << 20,
                "    - {name: reader, key: %s, scopes: [\"messages:read\"]}\n".formatted(READER),
                "",
                "carriers:\n  bandwidth:\n    default: {}\n  livechat:\n    default: {}\n",
                List.of(bandwidth, liveChat));
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    private HttpResponse<String> call(String method, String path, String body) {
        return gateway.as(RunningGateway.API_KEY, method, path, body);
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(response.body(), e);
        }
    }

    private static JsonNode ok(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return json(response);
    }

    private static JsonNode error(HttpResponse<String> response, int status) {
        return ok(response, status).path("error");
    }

    private static String phone() {
        return "+1555" + (1_000_000 + ThreadLocalRandom.current().nextInt(9_000_000));
    }

    private static String chat() {
        return "livechat:" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    private JsonNode create(String body) {
        return ok(call("POST", "/v1/contacts", body), 201);
    }

    /** One inbound message through a carrier's webhook, as {@code carrier} parses it. */
    private void receive(ScriptedCarrier carrier, Sender sender, String text, Instant at) {
        carrier.answerWith(request -> List.of(new InboundEvent.InboundMessage(
                carrier.type(),
                "default",
                "cm-" + Long.toHexString(ThreadLocalRandom.current().nextLong()),
                sender,
                "+14155550199",
                new MessageContent.Text(text),
                at,
                null,
                Json.MAPPER.createObjectNode())));
        try {
            HttpResponse<String> posted = gateway.send(HttpRequest.newBuilder(
                            gateway.uri("/webhooks/" + carrier.type().wireName()))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        } finally {
            carrier.answerWith(request -> List.of());
        }
    }

    @Test
    void aContactIsCreatedReadFoundLinkedAndUnlinked() {
        String number = phone();
        String chat = chat();
        HttpResponse<String> made =
                call("POST", "/v1/contacts", "{\"displayName\": \"Ada\", \"identities\": [\"" + chat + "\"]}");
        JsonNode contact = ok(made, 201);
        String id = contact.path("id").asText();
        assertThat(made.headers().firstValue("Location")).contains("/v1/contacts/" + id);
        assertThat(contact.path("displayName").asText()).isEqualTo("Ada");
        assertThat(contact.path("identities").toString()).isEqualTo("[\"" + chat + "\"]");
        assertThat(contact.path("createdAt").asText()).isNotEmpty();

        JsonNode linked =
                ok(call("POST", "/v1/contacts/" + id + "/identities", "{\"identity\": \"" + number + "\"}"), 200);
        assertThat(linked.path("identities").toString()).isEqualTo("[\"" + chat + "\",\"" + number + "\"]");
        assertThat(ok(call("GET", "/v1/contacts/" + id, null), 200)).isEqualTo(linked);

        // found by each identity; a literal + in a query string arrives as a space and is read as +
        assertThat(ok(call("GET", "/v1/contacts?identity=" + number, null), 200)
                        .path("items")
                        .findValuesAsText("id"))
                .containsExactly(id);
        assertThat(ok(call("GET", "/v1/contacts?identity=%2B" + number.substring(1), null), 200)
                        .path("items")
                        .findValuesAsText("id"))
                .containsExactly(id);
        JsonNode byChat = ok(call("GET", "/v1/contacts?identity=" + chat, null), 200);
        assertThat(byChat.path("items").findValuesAsText("id")).containsExactly(id);
        assertThat(byChat.path("nextCursor").isNull()).isTrue();
        assertThat(ok(call("GET", "/v1/contacts?identity=" + phone(), null), 200)
                        .path("items"))
                .isEmpty();

        JsonNode unlinked =
                ok(call("DELETE", "/v1/contacts/" + id + "/identities/%2B" + number.substring(1), null), 200);
        assertThat(unlinked.path("identities").toString()).isEqualTo("[\"" + chat + "\"]");
        assertThat(ok(call("GET", "/v1/contacts?identity=" + number, null), 200).path("items"))
                .isEmpty();
        assertThat(error(call("DELETE", "/v1/contacts/" + id + "/identities/%2B" + number.substring(1), null), 404)
                        .path("code")
                        .asText())
                .isEqualTo("identity_not_linked");
        assertThat(ok(call("DELETE", "/v1/contacts/" + id + "/identities/" + chat.replace(":", "%3A"), null), 200)
                        .path("identities"))
                .isEmpty();
    }

    @Test
    void anIdentityOfAnotherContactIs409NamingTheField() {
        String number = phone();
        String first =
                create("{\"identities\": [\"" + number + "\"]}").path("id").asText();
        String second = create("{}").path("id").asText();

        JsonNode onLink = error(
                call("POST", "/v1/contacts/" + second + "/identities", "{\"identity\": \"" + number + "\"}"), 409);
        assertThat(onLink.path("code").asText()).isEqualTo("identity_already_linked");
        assertThat(onLink.path("field").asText()).isEqualTo("identity");
        assertThat(onLink.path("message").asText()).contains(first);

        String chat = chat();
        JsonNode onCreate =
                error(call("POST", "/v1/contacts", "{\"identities\": [\"" + chat + "\", \"" + number + "\"]}"), 409);
        assertThat(onCreate.path("code").asText()).isEqualTo("identity_already_linked");
        assertThat(onCreate.path("field").asText()).isEqualTo("identities[1]");
        // nothing of the refused contact was stored
        assertThat(ok(call("GET", "/v1/contacts?identity=" + chat, null), 200).path("items"))
                .isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"identities\": [\"14155550100\"]}|identities[0]",
                "{\"identities\": [\"+14155550100\", \"whatsapp-user:13491208655302741918\"]}|identities[1]",
                "{\"identities\": [\"+14155550100\", \"+14155550100\"]}|identities[1]",
                "{\"identities\": [\"whatsapp-group:120363\"]}|identities[0]",
                "{\"identities\": [\"livechat:\"]}|identities[0]",
                "{\"identities\": [42]}|identities[0]",
                "{\"identities\": \"+14155550100\"}|identities",
                "{\"displayName\": \"\"}|displayName",
                "{\"displayName\": 7}|displayName",
                "{\"name\": \"Ada\"}|name",
            })
    void aBadContactIs400NamingTheField(String body, String field) {
        JsonNode refused = error(call("POST", "/v1/contacts", body), 400);
        assertThat(refused.path("field").asText()).isEqualTo(field);
    }

    @Test
    void limitsAndUnknownsAnswerWithTheirOwnCodes() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            many.add("\"" + phone() + "\"");
        }
        assertThat(error(call("POST", "/v1/contacts", "{\"identities\": " + many + "}"), 400)
                        .path("field")
                        .asText())
                .isEqualTo("identities");
        String full = create("{\"identities\": " + many.subList(0, 20) + "}")
                .path("id")
                .asText();
        assertThat(error(
                                call(
                                        "POST",
                                        "/v1/contacts/" + full + "/identities",
                                        "{\"identity\": " + many.get(20) + "}"),
                                400)
                        .path("field")
                        .asText())
                .isEqualTo("identity");

        assertThat(error(call("GET", "/v1/contacts/nope", null), 404)
                        .path("code")
                        .asText())
                .isEqualTo("contact_not_found");
        assertThat(error(call("GET", "/v1/contacts/nope/messages", null), 404)
                        .path("code")
                        .asText())
                .isEqualTo("contact_not_found");
        assertThat(error(call("POST", "/v1/contacts/nope/identities", "{\"identity\": \"" + phone() + "\"}"), 404)
                        .path("code")
                        .asText())
                .isEqualTo("contact_not_found");
        assertThat(error(call("DELETE", "/v1/contacts/nope/identities/%2B14155550100", null), 404)
                        .path("code")
                        .asText())
                .isEqualTo("contact_not_found");
        String id = create("{}").path("id").asText();
        assertThat(error(call("POST", "/v1/contacts/" + id + "/identities", "{}"), 400)
                        .path("field")
                        .asText())
                .isEqualTo("identity");
        assertThat(error(call("POST", "/v1/contacts/" + id + "/identities", "{\"identity\": \"+1\", \"x\": 1}"), 400)
                        .path("field")
                        .asText())
                .isEqualTo("x");
        assertThat(error(call("DELETE", "/v1/contacts/" + id + "/identities/nobody", null), 400)
                        .path("field")
                        .asText())
                .isEqualTo("identity");
        assertThat(error(call("GET", "/v1/contacts", null), 400).path("field").asText())
                .isEqualTo("identity");
        assertThat(error(call("GET", "/v1/contacts?identity=bad", null), 400)
                        .path("field")
                        .asText())
                .isEqualTo("identity");
        assertThat(error(call("POST", "/v1/contacts", "[]"), 400).path("code").asText())
                .isNotEmpty();
    }

    @Test
    void writingNeedsMessagesSendAndReadingMessagesRead() {
        String id = create("{}").path("id").asText();
        assertThat(error(gateway.as(READER, "POST", "/v1/contacts", "{}"), 403)
                        .path("code")
                        .asText())
                .isEqualTo("insufficient_scope");
        assertThat(error(gateway.as(READER, "POST", "/v1/contacts/" + id + "/identities", "{}"), 403)
                        .path("code")
                        .asText())
                .isEqualTo("insufficient_scope");
        assertThat(error(gateway.as(READER, "DELETE", "/v1/contacts/" + id + "/identities/x", null), 403)
                        .path("code")
                        .asText())
                .isEqualTo("insufficient_scope");
        assertThat(gateway.as(READER, "GET", "/v1/contacts/" + id, null).statusCode())
                .isEqualTo(200);
        assertThat(gateway.as(READER, "GET", "/v1/contacts/" + id + "/messages", null)
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void theTimelineJoinsEveryConversationOfTheContactOldestFirstInPages() {
        String number = phone();
        String customer = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Instant base = Instant.now().minusSeconds(60);
        receive(liveChat, new Sender(null, customer, "Grace"), "hello from the chat", base);
        receive(bandwidth, Sender.phone(number, null), "and by text", base.plusSeconds(1));
        receive(liveChat, new Sender(null, customer, "Grace"), "still here", base.plusSeconds(2));
        receive(bandwidth, Sender.phone(phone(), null), "someone else", base.plusSeconds(3));

        String id = create("{\"identities\": [\"livechat:" + customer + "\", \"" + number + "\"]}")
                .path("id")
                .asText();
        List<String> bodies = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = ok(
                    call(
                            "GET",
                            "/v1/contacts/" + id + "/messages?limit=2" + (cursor == null ? "" : "&cursor=" + cursor),
                            null),
                    200);
            assertThat(page.path("items").size()).isLessThanOrEqualTo(2);
            page.path("items")
                    .forEach(m -> bodies.add(m.path("content").path("body").asText()));
            cursor = page.path("nextCursor").isNull()
                    ? null
                    : page.path("nextCursor").asText();
        } while (cursor != null);
        assertThat(bodies).containsExactly("hello from the chat", "and by text", "still here");

        assertThat(error(call("GET", "/v1/contacts/" + id + "/messages?cursor=tampered", null), 400)
                        .path("field")
                        .asText())
                .isEqualTo("cursor");
        assertThat(error(call("GET", "/v1/contacts/" + id + "/messages?limit=0", null), 400)
                        .path("field")
                        .asText())
                .isEqualTo("limit");
    }
}
