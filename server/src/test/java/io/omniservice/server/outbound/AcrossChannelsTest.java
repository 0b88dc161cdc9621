package io.omniservice.server.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.Conditions;
import io.omniservice.server.support.InboundWebhooks;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Selection across channels end to end, with LiveChat's Agent Chat API and Bandwidth's send API played: a
 * LiveChat customer whose contact also holds a phone number is reached over SMS when the chat refuses the send,
 * if the request allows it; the contact's timeline shows the chat and the message that went by SMS.
 */
class AcrossChannelsTest {
    private static final String SEND_EVENT = "/v3.5/agent/action/send_event";
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path data;

    WireMockServer carriers;
    RunningGateway gateway;

    @BeforeEach
    void start() {
        carriers =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        carriers.start();
        PlayedBandwidth.accepts(carriers);
        // the customer left: LiveChat refuses every event for the chat, as its Agent Chat API answers that
        carriers.stubFor(post(urlPathMatching(".*/agent/action/send_event"))
                .willReturn(aResponse()
                        .withStatus(422)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"chat_inactive\",\"message\":\"Chat is inactive\"}}")));
        String base = "http://localhost:" + carriers.port();
        gateway = new RunningGateway(
                data,
                1 << 20,
                PlayedBandwidth.bandwidthYaml(base) + """
                  livechat:
                    default:
                      secretKey: %s
                      accessToken: livechat-agent-token-0123456789
                      apiBaseUrl: %s
                outbound:
                  nodeId: across-node
                  pollMillis: 20
                  retry: {maxAttempts: 2, initialBackoffMillis: 20, maxBackoffMillis: 100, maxRetryAfterSeconds: 5}
                """.formatted(InboundWebhooks.LIVECHAT_SECRET, base),
                ConfiguredCarriers.installedProviders());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        carriers.stop();
    }

    private HttpResponse<String> call(String method, String path, String body) {
        return gateway.as(RunningGateway.API_KEY, method, path, body);
    }

    private String send(String chatId, String text, boolean acrossChannels) {
        HttpResponse<String> accepted = call("POST", "/v1/messages", """
                {"to": {"chatId": "%s"}, "content": {"type": "text", "text": "%s"},
                 "options": {"acrossChannels": %s}}""".formatted(chatId, text, acrossChannels));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Conditions.json(accepted.body()).path("messageId").asText();
    }

    private JsonNode settled(String messageId) {
        return Conditions.await(
                () -> {
                    JsonNode m = Conditions.json(
                            call("GET", "/v1/messages/" + messageId, null).body());
                    String status = m.path("status").asText();
                    return status.equals("sent") || status.equals("failed") ? m : null;
                },
                WAIT);
    }

    private List<LoggedRequest> smsOf(String messageId) {
        return carriers.findAll(postRequestedFor(urlPathEqualTo(PlayedBandwidth.SEND_PATH))).stream()
                .filter(r -> r.getBodyAsString().contains(messageId))
                .toList();
    }

    /** The message failed where the chat refused it, and no SMS went. */
    private void failedInTheChatAlone(String messageId) {
        JsonNode message = settled(messageId);
        assertThat(message.path("status").asText()).isEqualTo("failed");
        assertThat(message.path("attempts").findValuesAsText("carrier")).containsExactly("livechat");
        assertThat(smsOf(messageId)).isEmpty();
    }

    @Test
    void aChatThatRefusesTheSendIsReachedOverSmsAtTheContactsNumberAndTheTimelineShowsBoth() {
        String chatId = "PJ0MRSHTDG";
        String customer = UUID.randomUUID().toString();
        String number = "+14155550100";
        HttpRequest webhook =
                InboundWebhooks.liveChatText(gateway, chatId, customer, "PJ0MRSHTDG_1", "Where is my parcel?");
        HttpResponse<String> wrote = gateway.send(HttpRequest.newBuilder(webhook, (name, value) -> true));
        assertThat(wrote.statusCode()).as(wrote.body()).isEqualTo(200);
        HttpResponse<String> made = call(
                "POST",
                "/v1/contacts",
                "{\"displayName\": \"Grace\", \"identities\": [\"livechat:%s\", \"livechat:%s\", \"%s\"]}"
                        .formatted(customer, chatId, number));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String contactId = Conditions.json(made.body()).path("id").asText();

        String messageId = send(chatId, "It left the depot this morning", true);

        JsonNode message = settled(messageId);
        assertThat(message.path("status").asText()).as(message.toString()).isEqualTo("sent");
        assertThat(message.path("carrier").asText()).isEqualTo("bandwidth");
        // the chat was tried first and refused the recipient; the SMS went to the contact's number
        assertThat(message.path("attempts").findValuesAsText("carrier")).containsExactly("livechat", "bandwidth");
        assertThat(message.path("attempts").findValuesAsText("to")).containsExactly(chatId, number);
        assertThat(message.path("attempts").get(0).path("outcome").asText()).isEqualTo("recipient_rejected");
        List<LoggedRequest> sms = smsOf(messageId);
        assertThat(sms).hasSize(1);
        JsonNode sent = Conditions.json(sms.getFirst().getBodyAsString());
        assertThat(sent.path("to").get(0).asText()).isEqualTo(number);
        assertThat(sent.path("text").asText()).isEqualTo("It left the depot this morning");
        assertThat(carriers.findAll(postRequestedFor(urlPathEqualTo(SEND_EVENT))))
                .hasSize(1);

        JsonNode timeline = Conditions.json(
                call("GET", "/v1/contacts/" + contactId + "/messages", null).body());
        assertThat(timeline.path("items").findValuesAsText("direction")).containsExactly("inbound", "outbound");
        assertThat(timeline.path("items").get(0).path("content").path("body").asText())
                .isEqualTo("Where is my parcel?");
        assertThat(timeline.path("items").get(1).path("messageId").asText()).isEqualTo(messageId);
    }

    @Test
    void aLiveChatThatIsDownGivesWayToTheContactsNumberAfterItsRetries() {
        carriers.stubFor(post(urlPathMatching(".*/agent/action/send_event"))
                .willReturn(aResponse()
                        .withStatus(503)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"service_unavailable\",\"message\":\"Try again\"}}")));
        String chatId = "PJ0MRSHTDJ";
        String number = "+14155550102";
        HttpResponse<String> made =
                call("POST", "/v1/contacts", "{\"identities\": [\"livechat:%s\", \"%s\"]}".formatted(chatId, number));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);

        String messageId = send(chatId, "Your parcel is out for delivery", true);

        JsonNode message = settled(messageId);
        assertThat(message.path("status").asText()).as(message.toString()).isEqualTo("sent");
        // retried on LiveChat (maxAttempts 2), then the SMS to the number
        assertThat(message.path("attempts").findValuesAsText("carrier"))
                .containsExactly("livechat", "livechat", "bandwidth");
        assertThat(message.path("attempts").findValuesAsText("outcome"))
                .containsExactly("retryable", "retryable", "sent");
        assertThat(message.path("attempts").findValuesAsText("to")).containsExactly(chatId, chatId, number);
        assertThat(smsOf(messageId)).hasSize(1);
    }

    @Test
    void withoutTheOptionOrAfterTheNumberSentStopNoSmsGoes() {
        String chatId = "PJ0MRSHTDH";
        String number = "+14155550101";
        HttpResponse<String> made =
                call("POST", "/v1/contacts", "{\"identities\": [\"livechat:%s\", \"%s\"]}".formatted(chatId, number));
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);

        failedInTheChatAlone(send(chatId, "Only in the chat", false));

        // the number leaves SMS: no send across channels uses it any more
        HttpResponse<String> stop = gateway.send(HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        [{"type":"message-received","time":"2026-11-24T11:59:58.000Z","description":"Incoming message",\
                        "to":"+14155550198","message":{"id":"bw-stop-1","owner":"+14155550198","applicationId":\
                        "93de2206-9669-4e07-948d-329f4b722ee2","time":"2026-11-24T11:59:58.000Z","segmentCount":1,\
                        "direction":"in","to":["+14155550198"],"from":"%s","text":"STOP"}}]""".formatted(number))));
        assertThat(stop.statusCode()).as(stop.body()).isEqualTo(200);
        failedInTheChatAlone(send(chatId, "Across, but they left SMS", true));
    }
}
