package io.omniservice.acceptance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * Bandwidth's send API as WireMock plays it for a gateway that sends through it
 * ({@link GatewayProcess.Setup#sendingThrough}); the server needs response templating.
 */
final class PlayedBandwidth {
    /** Where the gateway posts a send for {@link GatewayProcess#BANDWIDTH_ACCOUNT}. */
    static final String SEND_PATH = "/api/v2/users/" + GatewayProcess.BANDWIDTH_ACCOUNT + "/messages";

    private PlayedBandwidth() {}

    /**
     * Every send is taken (202), and the carrier's message id is made from our tag (the message id), so that a
     * test can name it in a delivery receipt: {@code bw-<messageId>}.
     */
    static void acceptSends(WireMockServer outside) {
        outside.stubFor(post(urlPathEqualTo(SEND_PATH))
                .willReturn(aResponse()
                        .withStatus(202)
                        .withHeader("Content-Type", "application/json")
                        .withBody("""
                                {"id":"bw-{{jsonPath request.body '$.tag'}}","owner":"+14155550198",
                                 "time":"2026-11-25T12:00:00.000Z","segmentCount":1,"direction":"out",
                                 "to":["{{jsonPath request.body '$.to[0]'}}"],"from":"+14155550198",
                                 "tag":"{{jsonPath request.body '$.tag'}}"}""")));
    }
}
