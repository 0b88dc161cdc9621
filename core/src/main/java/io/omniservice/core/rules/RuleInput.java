package io.omniservice.core.rules;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import java.time.Instant;
import java.util.Objects;

/**
 * The facts about one inbound message that rules look at. {@code ourNumber} is the recipient (our side);
 * {@code body} is null for media without caption; {@code receivedAt} is when we received it, which is what
 * time windows judge (not the wall clock, so a replayed message is judged as it was).
 */
public record RuleInput(CarrierType carrier, String ourNumber, String sender, String body, Instant receivedAt) {
    public RuleInput {
        Objects.requireNonNull(carrier, "carrier");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The input for {@code message}; the sender is its phone number where it has one, else the carrier's id. */
    public static RuleInput of(InboundMessage message, Instant receivedAt) {
        var sender = message.sender();
        return new RuleInput(
                message.carrier(),
                message.recipient(),
                sender.phoneNumber() != null ? sender.phoneNumber() : sender.carrierId(),
                message.content().body(),
                receivedAt);
    }
}
