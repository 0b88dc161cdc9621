package io.omniservice.core.outbound;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.omniservice.core.model.CarrierType;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * Sends to numbers starting with {@code prefix} (E.164, with its {@code +}) go to {@code carrier} first;
 * the longest matching prefix wins, then the lower {@code priority} number. {@code costPerMessage},
 * when set, is what the carrier costs for these numbers and ranks it among the fallbacks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RoutingRule(
        String id, String prefix, CarrierType carrier, int priority, BigDecimal costPerMessage, Instant createdAt) {}
