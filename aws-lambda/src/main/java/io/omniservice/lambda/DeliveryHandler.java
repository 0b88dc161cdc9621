package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.List;
import java.util.Map;

/**
 * Posts what is due of the {@code deliveries} table — message callbacks, subscription events, rule forwards —
 * with the JVM's own delivery code (signatures, guarded addresses, retries with backoff, give-up rules). Called
 * for each batch of new delivery items on the table's stream and every minute by the schedule (for retries that
 * came due); either way it works off what is due rather than the records themselves, so it answers the stream
 * with no failed records.
 */
public final class DeliveryHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Deliveries leased per round. */
    static final int ROUND = 100;
    /** Rounds stop when less than this is left of the function's time. */
    static final long RESERVE_MILLIS = 15_000;

    private final LambdaGateway gateway;

    public DeliveryHandler() {
        this(LambdaGateway.instance());
    }

    public DeliveryHandler(LambdaGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        int delivered = 0;
        try {
            int round;
            do {
                round = gateway.gateway().deliveries().deliverDue(ROUND);
                delivered += round;
            } while (round == ROUND && (context == null || context.getRemainingTimeInMillis() > RESERVE_MILLIS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Map.of("batchItemFailures", List.of(), "delivered", delivered);
    }
}
