package io.omniservice.core.model;

import static io.omniservice.core.model.MessageStatus.*;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MessageStatusTest {

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @CsvSource({
        // forward moves
        "QUEUED, SENT, SENT",
        "QUEUED, DELIVERED, DELIVERED",
        "SENT, DELIVERED, DELIVERED",
        "DELIVERED, READ, READ",
        "QUEUED, READ, READ",
        // late callbacks never move backwards
        "DELIVERED, SENT, DELIVERED",
        "READ, DELIVERED, READ",
        "READ, SENT, READ",
        "SENT, QUEUED, SENT",
        "SENT, SENT, SENT",
        // failed is terminal ...
        "QUEUED, FAILED, FAILED",
        "SENT, FAILED, FAILED",
        "FAILED, SENT, FAILED",
        "FAILED, QUEUED, FAILED",
        // ... but a later delivered or read from the carrier wins
        "FAILED, DELIVERED, DELIVERED",
        "FAILED, READ, READ",
        // a failure after delivery does not undo the delivery
        "DELIVERED, FAILED, DELIVERED",
        "READ, FAILED, READ",
        // inbound messages: received, then only read
        "RECEIVED, READ, READ",
        "RECEIVED, DELIVERED, RECEIVED",
        "RECEIVED, SENT, RECEIVED",
        "RECEIVED, FAILED, RECEIVED",
    })
    void statusOnlyMovesForward(MessageStatus current, MessageStatus reported, MessageStatus expected) {
        assertThat(current.advance(reported)).isEqualTo(expected);
        assertThat(current.canAdvanceTo(reported)).isEqualTo(expected != current);
    }

    @ParameterizedTest
    @CsvSource({
        "queued, QUEUED",
        "sent, SENT",
        "delivered, DELIVERED",
        "read, READ",
        "failed, FAILED",
        "received, RECEIVED"
    })
    void wireNamesRoundTrip(String wire, MessageStatus status) {
        assertThat(status.wireName()).isEqualTo(wire);
        assertThat(MessageStatus.fromWireName(wire)).isEqualTo(status);
    }
}
