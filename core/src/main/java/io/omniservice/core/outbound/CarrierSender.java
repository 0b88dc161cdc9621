package io.omniservice.core.outbound;

/**
 * The outbound half of one carrier account: formats an {@link OutboundSend} as the carrier's own send
 * request, calls the carrier's API once and reads its answer. No retries here: the pipeline decorates
 * every sender with the same retry, circuit breaker and fallback policy. Blocking; called on a virtual
 * thread. Implementations are immutable and thread-safe.
 */
public interface CarrierSender {
    /**
     * Sends one message once.
     *
     * @return what the carrier answered on acceptance: its message id, its status word and segments
     * @throws SendFailure when the carrier refused or could not be reached, classified so the pipeline
     *     knows whether to retry, try another carrier, or fail the message
     */
    SendResult send(OutboundSend send) throws SendFailure;

    /**
     * The account's sender pool: the numbers or sender ids it may send from, its default first; empty when it
     * keeps no pool, and then a sender a request names goes to the carrier as it is.
     */
    default java.util.List<String> numbers() {
        return java.util.List.of();
    }

    /**
     * {@code sender} with a pool ({@code carriers.<carrier>.<account>.numbers}); without one ({@code numbers}
     * empty), {@code sender} itself.
     */
    static CarrierSender pooled(CarrierSender sender, java.util.List<String> numbers) {
        if (numbers.isEmpty()) {
            return sender;
        }
        java.util.List<String> pool = java.util.List.copyOf(numbers);
        return new CarrierSender() {
            @Override
            public SendResult send(OutboundSend send) throws SendFailure {
                return sender.send(send);
            }

            @Override
            public java.util.List<String> numbers() {
                return pool;
            }
        };
    }
}
