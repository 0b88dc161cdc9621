package io.omniservice.core.outbound;

/** One status change to POST to a message's {@code callbackUrl}; {@code attempts} made so far. */
public record CallbackDelivery(long id, String messageId, String url, String payload, int attempts) {}
