package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;

/**
 * Our side of one stored message of a conversation: the carrier account it went through and the number the
 * recipient saw — an inbound message's {@code to}, a sent outbound message's sender. What a sender pool's
 * sticky choice reads, from the store, so that it holds across restarts and nodes.
 */
public record NumberUse(CarrierType carrier, String account, String number) {}
