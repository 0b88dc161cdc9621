package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.omniservice.aws.queue.LeasedSend;
import io.omniservice.core.outbound.SendJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send queues' records → the JVM dispatcher's own send code for each ticket: carrier selection, media,
 * retries with backoff, the per-carrier circuit breaker and fallback, the stored outcome and the next send of the
 * conversation enqueued. The store leases the job as it does for a node that received the ticket itself, so a
 * stale or repeated ticket is dropped and an out-of-turn one stands aside. On the first ticket that fails, it and
 * every later record of the batch are reported as batch item failures (FIFO order: nothing after it is sent
 * first); SQS hands them out again. Breakers still open after the batch are written as the alarm's metric.
 */
public final class OutboundHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundHandler.class);
    /** Under the send queues' visibility timeout (six times the function's 60 s). */
    static final Duration LEASE = Duration.ofMinutes(5);

    private final LambdaGateway gateway;

    public OutboundHandler() {
        this(LambdaGateway.instance());
    }

    public OutboundHandler(LambdaGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        boolean failed = false;
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            if (failed) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                continue;
            }
            try {
                send(message);
            } catch (RuntimeException e) {
                LOG.warn("send of SQS message {} not finished: {}", message.getMessageId(), e.toString());
                failed = true;
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        gateway.gateway().carrierHealth().openRoutes().forEach(gateway.breakerMetric()::open);
        return new SQSBatchResponse(failures);
    }

    private void send(SQSEvent.SQSMessage message) {
        Instant now = gateway.clock().instant();
        String count =
                message.getAttributes() == null ? null : message.getAttributes().get("ApproximateReceiveCount");
        Optional<LeasedSend> leased = gateway.storage()
                .sendQueue()
                .received(
                        message.getEventSourceArn(),
                        message.getBody(),
                        message.getReceiptHandle(),
                        count == null ? 1 : Integer.parseInt(count),
                        now.plus(LEASE));
        if (leased.isEmpty()) {
            // not a ticket of ours: failing it leaves it to the queue's redrive into the dead-letter queue
            throw new IllegalArgumentException("SQS message " + message.getMessageId() + " is not a send ticket");
        }
        for (SendJob job : gateway.outbound().claimReceived(gateway.nodeId(), List.of(leased.get()), now, LEASE)) {
            gateway.gateway().sends().sendNow(job);
        }
    }
}
