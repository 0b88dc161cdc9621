package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import java.util.List;

/** How a send job ended; stored in one transaction that also removes the job. */
public sealed interface SendOutcome {
    String messageId();

    List<SendAttempt> attempts();

    /** A carrier accepted the message. */
    record Sent(
            String messageId,
            String conversationId,
            CarrierType carrier,
            String account,
            SendResult result,
            List<SendAttempt> attempts)
            implements SendOutcome {}

    /**
     * No carrier took it: the message fails with this error. {@code deadLetter} keeps the job for a replay
     * (every carrier exhausted); a refused recipient or an expired message is not worth replaying.
     */
    record Failed(
            String messageId,
            CarrierType carrier,
            String errorCode,
            String errorMessage,
            boolean deadLetter,
            SendPlan plan,
            List<SendAttempt> attempts)
            implements SendOutcome {}
}
