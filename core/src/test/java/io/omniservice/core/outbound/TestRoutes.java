package io.omniservice.core.outbound;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import java.math.BigDecimal;
import java.util.List;

/** Carrier routes for tests that decide among carriers and never send. */
final class TestRoutes {
    private TestRoutes() {}

    /** The {@code default} account of {@code type}, with these capabilities and cost; a send fails the test. */
    static CarrierRoute route(CarrierType type, CarrierCapabilities capabilities, String cost) {
        CarrierAdapter adapter = new CarrierAdapter() {
            @Override
            public CarrierType type() {
                return type;
            }

            @Override
            public String account() {
                return "default";
            }

            @Override
            public CarrierCapabilities capabilities() {
                return capabilities;
            }

            @Override
            public void verify(WebhookRequest request) {}

            @Override
            public List<InboundEvent> parse(WebhookRequest request) {
                return List.of();
            }
        };
        CarrierSender neverCalled = send -> {
            throw new AssertionError("deciding among carriers never sends");
        };
        return new CarrierRoute(adapter, neverCalled, new BigDecimal(cost));
    }

    /** {@code route} with a sender pool of {@code numbers}, its default first. */
    static CarrierRoute pooled(CarrierRoute route, String... numbers) {
        return new CarrierRoute(
                route.adapter(), CarrierSender.pooled(route.sender(), List.of(numbers)), route.costPerMessage());
    }
}
