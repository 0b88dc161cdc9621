package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import java.util.List;

/** How a send job ended; stored in one transaction that also removes the job. */
public sealed interface SendOutcome {
    String messageId();

    List<SendAttempt> attempts();

    /**
     * A carrier accepted the message. With {@code waiting} (the plan with its {@link DeliveryWatch}) the job
     * leaves a receipt deadline behind, due at the watch's deadline. {@code from} is the number or sender id it
     * went from, recorded as the message's sender (null: the account's own, unnamed, and the sender stays).
     */
    record Sent(
            String messageId,
            String conversationId,
            CarrierType carrier,
            String account,
            SendResult result,
            List<SendAttempt> attempts,
            SendPlan waiting,
            String from)
            implements SendOutcome {
        public Sent(
                String messageId,
                String conversationId,
                CarrierType carrier,
                String account,
                SendResult result,
                List<SendAttempt> attempts,
                SendPlan waiting) {
            this(messageId, conversationId, carrier, account, result, attempts, waiting, null);
        }

        public Sent(
                String messageId,
                String conversationId,
                CarrierType carrier,
                String account,
                SendResult result,
                List<SendAttempt> attempts) {
            this(messageId, conversationId, carrier, account, result, attempts, null, null);
        }
    }

    /**
     * A watched message's deadline came: its job is removed; {@code timeout} is what it found and did, recorded
     * on the message and announced, or null when the receipt had come in time (nothing more to write).
     */
    record WatchEnded(String messageId, String conversationId, DeliveryTimeout timeout) implements SendOutcome {
        @Override
        public List<SendAttempt> attempts() {
            return List.of();
        }
    }

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
