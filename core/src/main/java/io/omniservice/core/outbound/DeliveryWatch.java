package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import java.time.Instant;

/**
 * A sent message's send job kept past the send, waiting for its receipt: due at {@code due}, when the
 * dispatcher looks whether {@code carrier} reported delivery and falls back if not.
 */
public record DeliveryWatch(CarrierType carrier, String account, Instant due) {}
