package io.omniservice.server.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

/** Bandwidth's send API as the server tests play it: account 9900000, answering as Bandwidth does. */
public final class PlayedBandwidth {
    public static final String SEND_PATH = "/api/v2/users/9900000/messages";

    private PlayedBandwidth() {}

    /** Every send is taken: 202 with Bandwidth's message body and a new message id per answer (templating on). */
    public static void accepts(WireMockServer server) {
        server.stubFor(post(urlPathEqualTo(SEND_PATH)).willReturn(accepted()));
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
