package io.omniservice.carriers.testkit;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.inbound.InboundLimits;
import io.omniservice.core.inbound.WebhookIngress;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.InboundEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every carrier's fuzz test checks, whatever the input: the webhook is refused with a 4xx (a
 * {@link WebhookRejection} turned into an answer) or it comes to events that pass {@link InboundLimits} and
 * can be written as the store writes them. Any other exception escapes and is a finding.
 */
public final class WebhookFuzzing {
    /**
     * Remembers no token ids: a fuzz run signs millions of tokens and would otherwise keep every id. Replay is
     * covered by the fixture cases.
     */
    public static final ReplayGuard FORGETFUL = (scope, id, expiresAt) -> true;

    private WebhookFuzzing() {}

    /** One account of a carrier, built as the gateway builds it, judged at the fixtures' clock. */
    public static CarrierAdapter adapter(CarrierProvider provider, Map<String, Object> settings) {
        return provider.create(
                new CarrierSettings("carriers.fuzz.default", "default", settings),
                new CarrierContext(CarrierFixtureTest.CLOCK, FORGETFUL));
    }

    /** A POST to {@code url} with these headers and body, received at the fixtures' time. */
    public static WebhookRequest post(String url, Map<String, String> headers, byte[] body) {
        Map<String, List<String>> multi = new LinkedHashMap<>();
        headers.forEach((name, value) -> multi.put(name, List.of(value)));
        return new WebhookRequest("POST", url, multi, Map.of(), body, CarrierFixtureTest.NOW);
    }

    /** Runs the request through verification and parsing and checks the property; throws on a finding. */
    public static void check(CarrierAdapter adapter, WebhookRequest request) {
        switch (WebhookIngress.decide(adapter, request)) {
            case WebhookIngress.Decision.Answer answer -> {
                int status = answer.reply().status();
                if (status < 400 || status > 499) {
                    throw new AssertionError("a POST was answered " + status + " without being accepted");
                }
            }
            case WebhookIngress.Decision.Accept accept -> {
                for (InboundEvent event : accept.events()) {
                    try {
                        InboundLimits.check(event);
                        Json.MAPPER.writeValueAsString(event);
                    } catch (WebhookRejection e) {
                        throw new AssertionError("an accepted event breaks the inbound limits: " + e.getMessage(), e);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new AssertionError("an accepted event cannot be written as JSON", e);
                    }
                }
            }
        }
    }
}
