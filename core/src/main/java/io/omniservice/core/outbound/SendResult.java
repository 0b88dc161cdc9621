package io.omniservice.core.outbound;

import java.util.Objects;

/**
 * A carrier's answer to an accepted send.
 *
 * @param carrierMessageId the carrier's id for the message, which its status callbacks name
 * @param carrierStatus the carrier's status word in the answer ({@code queued}, {@code accepted}, ...)
 * @param segments SMS segments the carrier reported or that the text takes; null where not SMS
 */
public record SendResult(String carrierMessageId, String carrierStatus, Integer segments) {
    public SendResult {
        Objects.requireNonNull(carrierMessageId, "carrierMessageId");
        Objects.requireNonNull(carrierStatus, "carrierStatus");
    }
}
