package io.omniservice.server.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.Conditions;
import io.omniservice.server.support.PlayedBandwidth;
import io.omniservice.server.support.PlayedCarriers;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sender pools end to end, as the played Bandwidth receives the sends: a reply goes from the number the customer
 * wrote to, a new 212 recipient gets the 212 number, a request's from must be a pool number, and a campaign
 * spreads over the pool with each number paced at its own long-code rate.
 */
class SenderPoolPipelineTest {
    private static final String SF = "+14155550198";
    private static final String NYC = "+12125550100";
    private static final String LA = "+13105550100";
    private static final String BOSTON = "+16175550100";
    private static final String CHICAGO = "+17735550100";
    private static final List<String> POOL = List.of(SF, NYC, LA, BOSTON, CHICAGO);

    @TempDir
    Path data;

    @RegisterExtension
    final PlayedCarriers played = new PlayedCarriers();

    RunningGateway gateway;

    private void startGateway(boolean paced) {
        PlayedBandwidth.accepts(played.server());
        gateway = played.gateway(new RunningGateway(
                data,
                1 << 20,
                PlayedBandwidth.bandwidthPoolYaml(played.baseUrl(), POOL.subList(1, POOL.size()))
                        + """
                        outbound:
                          nodeId: test-node
                          pollMillis: 20
                          pacing: {enabled: %s, longCode: 1}
                        """.formatted(paced),
                ConfiguredCarriers.installedProviders()));
    }

    private HttpResponse<String> post(String to, String text, String from) {
        return gateway.send(HttpRequest.newBuilder(gateway.uri("/v1/messages"))
                .header("Authorization", "Bearer " + RunningGateway.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"to": {"phoneNumber": "%s"}, "content": {"type": "text", "text": "%s"}%s}""".formatted(
                                to, text, from == null ? "" : ", \"from\": {\"phoneNumber\": \"" + from + "\"}"))));
    }

    private String send(String to, String text) {
        HttpResponse<String> accepted = post(to, text, null);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Conditions.json(accepted.body()).path("messageId").asText();
    }

    /** The number Bandwidth was asked to send {@code text} from, once it was. */
    private String fromOf(String text) {
        return await(() -> PlayedBandwidth.sends(played.server()).stream()
                .map(request -> Conditions.json(request.getBodyAsString()))
                .filter(body -> body.path("text").asText().equals(text))
                .map(body -> body.path("from").asText())
                .findFirst()
                .orElse(null));
    }

    private JsonNode sentMessage(String id) {
        return await(() -> {
            JsonNode message = Conditions.json(gateway.api("/v1/messages/" + id).body());
            return "sent".equals(message.path("status").asText()) ? message : null;
        });
    }

    private static <T> T await(Supplier<T> probe) {
        return Conditions.await(probe, Duration.ofSeconds(60));
    }

    @Test
    void aReplyGoesFromTheNumberTheCustomerWroteToAndStaysThere() {
        startGateway(false);
        String customer = "+15035550123";
        HttpResponse<String> inbound =
                gateway.send(PlayedBandwidth.received(gateway, "in-1", customer, LA, "is my order on its way?"));
        assertThat(inbound.statusCode()).as(inbound.body()).isEqualTo(200);

        String reply = send(customer, "yes, it ships today");
        assertThat(fromOf("yes, it ships today")).isEqualTo(LA);
        // the number it went from is the message's sender, so the next choice reads it from the store
        assertThat(sentMessage(reply).path("sender").asText()).isEqualTo(LA);
        send(customer, "tracking: 1Z999");
        assertThat(fromOf("tracking: 1Z999")).isEqualTo(LA);
    }

    @Test
    void aNewRecipientGetsANumberOfTheirAreaCode() {
        startGateway(false);
        send("+12125559876", "welcome to the 212");
        assertThat(fromOf("welcome to the 212")).isEqualTo(NYC);
        send("+16175550001", "welcome to the 617");
        assertThat(fromOf("welcome to the 617")).isEqualTo(BOSTON);
    }

    @Test
    void aNamedFromMustBeOneOfThePoolsNumbers() {
        startGateway(false);
        HttpResponse<String> refused = post("+12125559876", "from a stranger", "+19995550100");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        JsonNode error = Conditions.json(refused.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("from_not_in_pool");
        assertThat(error.path("field").asText()).isEqualTo("from");

        HttpResponse<String> accepted = post("+12125559876", "from chicago", CHICAGO);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(fromOf("from chicago"))
                .as("a pool number named wins over the area code")
                .isEqualTo(CHICAGO);
    }

    @Test
    void aCampaignSpreadsOverThePoolEachNumberAtItsOwnLongCodeRate() {
        startGateway(true);
        // no number of the pool shares their area code (503): every one of them is as local as the others
        int campaign = 10;
        for (int i = 0; i < campaign; i++) {
            send("+1503555%04d".formatted(2000 + i), "campaign " + i);
        }
        List<LoggedRequest> log = await(() -> {
            List<LoggedRequest> sends = PlayedBandwidth.sends(played.server());
            return sends.size() == campaign ? sends : null;
        });
        Map<String, List<LoggedRequest>> byFrom = log.stream()
                .collect(Collectors.groupingBy(request ->
                        Conditions.json(request.getBodyAsString()).path("from").asText()));
        assertThat(byFrom.keySet()).as("every number of the pool took part").containsExactlyInAnyOrderElementsOf(POOL);
        byFrom.forEach((from, sends) -> assertThat(PlayedBandwidth.busiestSecond(sends))
                .as("a long code's one message a second: %s", from)
                .isEqualTo(1));
        long spread = log.getLast().getLoggedDate().getTime()
                - log.getFirst().getLoggedDate().getTime();
        // one number at 1/s would need over 9 s from the first send to the tenth; five need about one
        assertThat(spread).as("10 sends over 5 long codes at 1/s each").isLessThan(9_000);
    }
}
