package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import io.omniservice.aws.dynamo.DynamoDbFeedStore;
import io.omniservice.core.workflow.Workflow;
import java.util.Map;

/**
 * The Catch target of every workflow state: records the change event as a workflow dead letter (what
 * {@code GET /v1/dead-letters} lists and a replay starts again) and takes it out of the feed, in one transaction,
 * as the JVM's engine does when a step runs out of attempts. It takes the event wherever it stands in its
 * conversation: a step that gave up waiting behind an earlier event must not wait here too, and the events behind
 * it go on. The error the state caught ({@code $.error}) is kept with the letter.
 */
public final class DeadLetterStepHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private final LambdaGateway gateway;

    public DeadLetterStepHandler() {
        this(LambdaGateway.instance());
    }

    public DeadLetterStepHandler(LambdaGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        StepEvent event = StepEvent.of(input);
        DynamoDbFeedStore feed = gateway.feed();
        DynamoDbFeedStore.Taken taken = feed.take(
                WorkflowStepHandler.owner(event),
                event.lane(),
                event.seq(),
                gateway.clock().instant(),
                WorkflowStepHandler.LEASE,
                false);
        switch (taken) {
            case DynamoDbFeedStore.Taken.Gone gone -> {
                return input; // finished or dead-lettered before
            }
            case DynamoDbFeedStore.Taken.Waiting waiting ->
                // another execution's lease: it runs out within minutes, and this state is retried
                throw new OmniserviceRetry("change event " + event.seq() + " is held by another execution", null);
            case DynamoDbFeedStore.Taken.Leased leased -> {
                Workflow workflow =
                        gateway.gateway().workflows().workflowFor(leased.event().type());
                int step = Math.min(leased.event().step(), workflow.steps().size() - 1);
                feed.deadLetter(
                        leased.event(),
                        workflow.name(),
                        step,
                        Math.max(1, leased.event().attempts()),
                        error(input));
                return input;
            }
        }
    }

    /** The caught error as Step Functions gives it ({@code {"Error": …, "Cause": …}}), as one line. */
    static String error(Map<String, Object> input) {
        if (input.get("error") instanceof Map<?, ?> error) {
            Object name = error.get("Error");
            Object cause = error.get("Cause");
            String text = (name == null ? "States.ALL" : name.toString()) + (cause == null ? "" : ": " + cause);
            return text.length() > 1000 ? text.substring(0, 1000) : text;
        }
        return "the workflow failed";
    }
}
