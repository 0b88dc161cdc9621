package io.omniservice.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.CarrierHealth;
import io.omniservice.core.outbound.CarrierRoute;
import io.omniservice.core.outbound.OutboundSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The breaker alarm's metric: an EMF line CloudWatch turns into {@code Omniservice/CarrierBreakerOpen}. */
class BreakerMetricTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final BreakerMetric metric = new BreakerMetric(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            Clock.fixed(Instant.parse("2026-12-06T10:00:00Z"), ZoneOffset.UTC));

    @Test
    void anOpenBreakerIsOneEmfDataPointForItsCarrier() throws Exception {
        metric.open("twilio/eu");
        JsonNode line =
                Json.MAPPER.readTree(out.toString(StandardCharsets.UTF_8).strip());
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertThat(line.at("/_aws/Timestamp").asLong())
                .isEqualTo(Instant.parse("2026-12-06T10:00:00Z").toEpochMilli());
        assertThat(directive.get("Namespace").asText()).isEqualTo("Omniservice");
        assertThat(directive.at("/Dimensions/0/0").asText()).isEqualTo("carrier");
        assertThat(directive.at("/Metrics/0/Name").asText()).isEqualTo("CarrierBreakerOpen");
        assertThat(line.get("carrier").asText()).isEqualTo("twilio");
        assertThat(line.get("account").asText()).isEqualTo("eu");
        assertThat(line.get("CarrierBreakerOpen").asInt()).isEqualTo(1);
    }

    @Test
    void aBreakerThatOpensWritesTheMetric() {
        CarrierHealth health = new CarrierHealth(
                OutboundSettings.defaults("0123456789abcdef0123456789abcdef").breaker());
        health.whenOpened(metric::open);
        // a route needs only its carrier and account here
        io.omniservice.core.carrier.CarrierAdapter adapter =
                (io.omniservice.core.carrier.CarrierAdapter) java.lang.reflect.Proxy.newProxyInstance(
                        getClass().getClassLoader(),
                        new Class<?>[] {io.omniservice.core.carrier.CarrierAdapter.class},
                        (proxy, method, args) -> switch (method.getName()) {
                            case "type" -> CarrierType.WHATSAPP;
                            case "account" -> "default";
                            default -> throw new UnsupportedOperationException(method.getName());
                        });
        CarrierRoute route = new CarrierRoute(adapter, null, java.math.BigDecimal.ZERO);
        assertThat(out.size()).isZero();
        var breaker = health.breaker(route);
        breaker.transitionToOpenState();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"carrier\":\"whatsapp\"");
        assertThat(health.openRoutes()).containsExactly("whatsapp/default");
    }
}
