package io.omniservice.core.outbound;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.model.CarrierType;
import java.math.BigDecimal;

/** One carrier account that can send, with what it costs per message (from {@code costPerMessage}). */
public record CarrierRoute(CarrierAdapter adapter, CarrierSender sender, BigDecimal costPerMessage) {
    public CarrierType carrier() {
        return adapter.type();
    }

    public String account() {
        return adapter.account();
    }

    /** {@code carrier/account}, the name its breaker and metrics go by. */
    public String name() {
        return carrier().wireName() + "/" + account();
    }
}
