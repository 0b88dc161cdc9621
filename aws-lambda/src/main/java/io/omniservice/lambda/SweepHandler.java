package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.omniservice.core.outbound.SendJob;
import java.time.Instant;
import java.util.Map;

/**
 * Every minute: the send outbox's sweep — sends whose enqueue was lost, scheduled sends that came due, sends a
 * stopped instance held — goes into SQS, and what SQS gave up on (its dead-letter queue) becomes dead letters
 * that fail their message, as the JVM's claim loop does between receives. Then the receipt deadlines
 * ({@code options.fallback}) that came due run here, through the dispatcher's own code: nothing else leases them
 * in this mode, so a deadline fires within a minute of its time.
 */
public final class SweepHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Deadlines one run takes: each is a read or two and perhaps one accepted send, well inside the minute. */
    static final int DEADLINES = 200;

    private final LambdaGateway gateway;

    public SweepHandler() {
        this(LambdaGateway.instance());
    }

    public SweepHandler(LambdaGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Instant now = gateway.clock().instant();
        int[] swept = gateway.outbound().sweep(now);
        int deadlines = 0;
        for (SendJob job : gateway.outbound().claimDeadlines(gateway.nodeId(), now, OutboundHandler.LEASE, DEADLINES)) {
            gateway.gateway().sends().sendNow(job);
            deadlines++;
        }
        return Map.of("conversationsSwept", swept[0], "deadSendsMoved", swept[1], "deadlinesRun", deadlines);
    }
}
