package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/**
 * Every minute: the send outbox's sweep — sends whose enqueue was lost, scheduled sends that came due, sends a
 * stopped instance held — goes into SQS, and what SQS gave up on (its dead-letter queue) becomes dead letters
 * that fail their message, as the JVM's claim loop does between receives.
 */
public final class SweepHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final LambdaGateway gateway;

    public SweepHandler() {
        this(LambdaGateway.instance());
    }

    public SweepHandler(LambdaGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        int[] swept = gateway.outbound().sweep(gateway.clock().instant());
        return Map.of("conversationsSwept", swept[0], "deadSendsMoved", swept[1]);
    }
}
