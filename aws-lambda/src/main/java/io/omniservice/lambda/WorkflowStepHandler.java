package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.omniservice.aws.dynamo.DynamoDbFeedStore;
import io.omniservice.core.workflow.Workflow;
import io.omniservice.core.workflow.WorkflowEngine;
import java.time.Duration;
import java.util.Map;

/**
 * One state of the per-event workflow: runs the JVM's own step code for one change event, through the same
 * engine, and stores its progress with its effects as the JVM's feed worker does. A step the event's workflow
 * does not have (a status event has only notification) passes its input on; a step whose stored progress is
 * already past it does nothing, so a retried task stores nothing twice. The event is leased under the execution's
 * name, and only while it is its conversation's oldest pending event ({@link EarlierEventPending} otherwise).
 * Every subclass returns its input, which is the next state's input.
 */
public abstract class WorkflowStepHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Longer than a step's 60 s timeout: a retry of the same execution takes the lease back at once anyway. */
    static final Duration LEASE = Duration.ofMinutes(2);

    private final LambdaGateway gateway;
    private final String step;

    protected WorkflowStepHandler(LambdaGateway gateway, String step) {
        this.gateway = gateway;
        this.step = step;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        StepEvent event = StepEvent.of(input);
        WorkflowEngine engine = gateway.gateway().workflows();
        Workflow workflow = engine.workflowFor(event.type());
        int index = indexOf(workflow, step);
        if (index < 0) {
            return input;
        }
        DynamoDbFeedStore feed = gateway.feed();
        DynamoDbFeedStore.Taken taken = feed.take(
                owner(event), event.lane(), event.seq(), gateway.clock().instant(), LEASE, true);
        switch (taken) {
            case DynamoDbFeedStore.Taken.Gone gone -> {
                return input; // finished before: a repeated execution or task
            }
            case DynamoDbFeedStore.Taken.Waiting waiting ->
                throw new EarlierEventPending("change event " + event.seq() + " of " + event.lane()
                        + " waits for an earlier event of its conversation");
            case DynamoDbFeedStore.Taken.Leased leased -> {
                try {
                    engine.runThrough(leased.event(), index);
                } catch (WorkflowEngine.StepFailed e) {
                    throw new OmniserviceRetry(e.getMessage(), e.getCause());
                }
                return input;
            }
        }
    }

    /** The execution's own name leases the event, so its retried tasks and its dead-letter step may take it back. */
    static String owner(StepEvent event) {
        return "sfn:" + event.executionName();
    }

    static int indexOf(Workflow workflow, String step) {
        for (int i = 0; i < workflow.steps().size(); i++) {
            if (workflow.steps().get(i).name().equals(step)) {
                return i;
            }
        }
        return -1;
    }
}
