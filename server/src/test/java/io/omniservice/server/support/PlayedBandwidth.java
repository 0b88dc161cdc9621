package io.omniservice.server.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.core.outbound.CarrierHttp;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Bandwidth's send API as the server tests play it: account 9900000, answering as Bandwidth does. */
public final class PlayedBandwidth {
    public static final String SEND_PATH = "/api/v2/users/9900000/messages";

    private PlayedBandwidth() {}

    /** Every send is taken: 202 with Bandwidth's message body and a new message id per answer (templating on). */
    public static void accepts(WireMockServer server) {
        server.stubFor(post(urlPathEqualTo(SEND_PATH)).willReturn(accepted()));
    }

    /** The sends Bandwidth received, in the order they arrived. */
    public static List<LoggedRequest> sends(WireMockServer server) {
        List<LoggedRequest> all = new ArrayList<>(server.findAll(postRequestedFor(urlPathEqualTo(SEND_PATH))));
        all.sort(Comparator.comparing(LoggedRequest::getLoggedDate));
        return all;
    }

    /** The most requests of {@code requests} (in arrival order) in any one-second window [t, t + 1 s). */
    public static int busiestSecond(List<LoggedRequest> requests) {
        int most = 0;
        for (int i = 0; i < requests.size(); i++) {
            long start = requests.get(i).getLoggedDate().getTime();
            int in = 0;
            for (int j = i;
                    j < requests.size() && requests.get(j).getLoggedDate().getTime() < start + 1000;
                    j++) {
                in++;
            }
            most = Math.max(most, in);
        }
        return most;
    }

    /** Bandwidth's answer to a send it took (a new message id per answer, templating on). */
    public static ResponseDefinitionBuilder accepted() {
        return aResponse()
                .withStatus(202)
                .withHeader("Content-Type", "application/json")
                .withBody("""
                        {"id":"{{randomValue length=30 type='ALPHANUMERIC'}}","owner":"+14155550198",
                         "applicationId":"93de2206-9669-4e07-948d-329f4b722ee2","time":"2026-11-25T12:00:00.000Z",
                         "segmentCount":1,"direction":"out","to":["+14155550100"],"from":"+14155550198",
                         "text":"hi","tag":"x"}""");
    }

    /**
     * Twilio and Bandwidth accounts sending through {@code baseUrl}, Bandwidth the cheaper: the
     * {@code carriers:} section of the outbound tests.
     */
    public static String twilioAndBandwidthYaml(String twilioSid, String baseUrl) {
        return """
                carriers:
                  twilio:
                    default:
                      accountSid: %s
                      authToken: twilio-token-0123456789
                      from: "+14155550199"
                      apiBaseUrl: %s
                      costPerMessage: 0.0079
                """.formatted(twilioSid, baseUrl) + bandwidthAccount(baseUrl);
    }

    /** Bandwidth's account sending through {@code baseUrl}: the {@code carriers:} section with it alone. */
    public static String bandwidthYaml(String baseUrl) {
        return "carriers:\n" + bandwidthAccount(baseUrl);
    }

    /** Bandwidth's account alone, with a sender pool: its {@code from} (+14155550198) and {@code numbers}. */
    public static String bandwidthPoolYaml(String baseUrl, List<String> numbers) {
        return bandwidthYaml(baseUrl) + "      numbers: "
                + numbers.stream().map(n -> "\"" + n + "\"").toList() + "\n";
    }

    /**
     * A {@code message-received} callback, as Bandwidth posts it with the account's callback credentials: a text
     * from {@code from} to our number {@code to}.
     */
    public static HttpRequest.Builder received(RunningGateway gateway, String id, String from, String to, String text) {
        String body = """
                [{"type":"message-received","time":"2026-11-24T11:59:58.000Z","description":"Incoming message received",\
                "to":"%s","message":{"id":"%s","owner":"%s","applicationId":"93de2206-9669-4e07-948d-329f4b722ee2",\
                "time":"2026-11-24T11:59:58.000Z","segmentCount":1,"direction":"in","to":["%s"],"from":"%s",\
                "text":"%s"}}]""".formatted(to, id, to, to, from, text);
        return HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth("bw-user", "bw-password"))
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static String bandwidthAccount(String baseUrl) {
        return """
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
                      costPerMessage: 0.0040
                """.formatted(baseUrl);
    }
}
