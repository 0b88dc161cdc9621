package io.omniservice.carriers.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.inbound.WebhookIngress;
import io.omniservice.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Walks a carrier's fixture cases: every {@code src/test/resources/fixtures/*.json} file of the carrier
 * module is one case (courier style). A case holds a label, the source its payload follows, the request
 * (method, public URL, headers, and the body as {@code body} text, {@code json} or {@code form} pairs),
 * optional named {@code prep} steps (signing, tampering) and {@code times} (send it that many times to
 * one adapter, for replay cases); {@code expected} is the snapshot of the outcome: status, content type,
 * body and the normalized events. Run with {@code -Dfixtures.update=true} to rewrite the snapshots, then
 * review the diff.
 */
public abstract class CarrierFixtureTest {
    /** The time every fixture is judged at; signed timestamps in fixtures are near it. */
    public static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    public static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static final boolean UPDATE = Boolean.getBoolean("fixtures.update");

    /** Settings of the test account(s) (key: account name) as they would stand in the YAML config. */
    protected abstract Map<String, Map<String, Object>> accounts();

    /** Builds the adapter for one account; called afresh for each case. */
    protected abstract CarrierAdapter create(CarrierSettings settings, CarrierContext context);

    /** The prep steps cases may name. */
    protected Map<String, Prep> preps() {
        return Map.of();
    }

    protected Path fixtureDirectory() {
        return Path.of("src", "test", "resources", "fixtures");
    }

    @TestFactory
    Stream<DynamicTest> fixtures() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(fixtureDirectory())) {
            files = listing.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).as("fixture cases in " + fixtureDirectory()).isNotEmpty();
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> walk(file)));
    }

    private void walk(Path file) throws Exception {
        ObjectNode fixture = (ObjectNode) Json.MAPPER.readTree(file.toFile());
        String account = fixture.path("account").asText("default");
        Map<String, Object> values = accounts().get(account);
        assertThat(values).as("test settings for account " + account).isNotNull();
        CarrierAdapter adapter = create(
                new CarrierSettings("carriers.test." + account, account, values),
                new CarrierContext(CLOCK, new InMemoryReplayGuard(CLOCK)));

        FixtureRequest request = request(fixture.path("request"));
        for (JsonNode step : fixture.path("prep")) {
            Prep prep = preps().get(step.asText());
            assertThat(prep).as("prep step '" + step.asText() + "'").isNotNull();
            prep.apply(request);
        }
        int times = fixture.path("times").asInt(1);
        ObjectNode outcome = null;
        for (int i = 0; i < times; i++) {
            outcome = run(adapter, request);
        }

        JsonNode expected = fixture.get("expected");
        if (UPDATE) {
            fixture.set("expected", outcome);
            Files.writeString(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(fixture) + "\n");
            return;
        }
        if (expected == null) {
            fail(
                    "%s has no expected outcome; this run produced:%n%s%nRun with -Dfixtures.update=true to record it.",
                    file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(outcome));
        }
        assertThat(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(outcome))
                .as(fixture.path("label").asText(file.toString()))
                .isEqualTo(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(expected));
    }

    private static ObjectNode run(CarrierAdapter adapter, FixtureRequest fixture) throws Exception {
        String rawQuery = fixture.rawQuery();
        WebhookRequest request = new WebhookRequest(
                fixture.method,
                fixture.url,
                fixture.headers,
                rawQuery == null ? Map.of() : FormBody.parse(rawQuery),
                fixture.body,
                NOW);
        ObjectNode outcome = Json.MAPPER.createObjectNode();
        WebhookReply reply;
        switch (WebhookIngress.decide(adapter, request)) {
            case WebhookIngress.Decision.Answer answer -> reply = answer.reply();
            case WebhookIngress.Decision.Accept accept -> {
                reply = adapter.acknowledge(accept.events());
                ArrayNode events = outcome.putArray("events");
                accept.events().forEach(e -> events.add(Json.MAPPER.valueToTree(e)));
            }
        }
        outcome.put("status", reply.status());
        if (reply.contentType() != null) {
            outcome.put("contentType", reply.contentType());
        }
        String body = new String(reply.body(), StandardCharsets.UTF_8);
        if (!body.isEmpty()) {
            outcome.set(
                    "body",
                    "application/json".equals(reply.contentType())
                            ? Json.MAPPER.readTree(body)
                            : Json.MAPPER.getNodeFactory().textNode(body));
        }
        return outcome;
    }

    private static FixtureRequest request(JsonNode spec) throws IOException {
        String method = spec.path("method").asText("POST");
        String url = spec.path("url").asText();
        URI.create(url); // fail early on a malformed URL in the fixture itself
        byte[] body;
        if (spec.has("json")) {
            body = Json.MAPPER.writeValueAsBytes(spec.get("json"));
        } else if (spec.has("form")) {
            StringJoiner form = new StringJoiner("&");
            for (JsonNode pair : spec.get("form")) {
                form.add(URLEncoder.encode(pair.get(0).asText(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(pair.get(1).asText(), StandardCharsets.UTF_8));
            }
            body = form.toString().getBytes(StandardCharsets.UTF_8);
        } else {
            body = spec.path("body").asText("").getBytes(StandardCharsets.UTF_8);
        }
        FixtureRequest request = new FixtureRequest(method, url, body);
        spec.path("headers")
                .properties()
                .forEach(h -> request.setHeader(h.getKey(), h.getValue().asText()));
        return request;
    }
}
