package io.omniservice.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import io.omniservice.aws.dynamo.Tables;
import io.omniservice.core.json.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;

/**
 * The {@code change-events} stream → one Step Functions execution per change event. Only INSERTs of change-event
 * items start one (the mapping's filter says so too; a lane's head item has no {@code eventId}). The execution's
 * name is the idempotency key: a record delivered again finds its execution already there, which counts as done.
 * A record that cannot be started is reported as a partial batch failure together with every later record of
 * its conversation in the batch, so Lambda retries them in order and nothing after it starts first.
 */
public final class StreamHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(StreamHandler.class);

    private final LambdaGateway gateway;

    public StreamHandler() {
        this(LambdaGateway.instance());
    }

    public StreamHandler(LambdaGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        Set<String> failedLanes = new HashSet<>();
        for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
            StepEvent step = changeEvent(record);
            if (step == null) {
                continue; // not a change event's insert: nothing to start
            }
            String id = record.getDynamodb().getSequenceNumber();
            if (failedLanes.contains(step.lane())) {
                failures.add(new StreamsEventResponse.BatchItemFailure(id));
                continue;
            }
            try {
                start(step);
            } catch (SdkException e) {
                LOG.warn("workflow of change event {} not started: {}", step.seq(), e.toString());
                failedLanes.add(step.lane());
                failures.add(new StreamsEventResponse.BatchItemFailure(id));
            }
        }
        return new StreamsEventResponse(failures);
    }

    private void start(StepEvent step) {
        try {
            gateway.stepFunctions().startExecution(r -> r.stateMachineArn(gateway.stateMachineArn())
                    .name(step.executionName())
                    .input(Json.text(step.toMap())));
        } catch (ExecutionAlreadyExistsException started) {
            // this record came before (a retried batch): its execution runs already
        }
    }

    /** The change event an INSERT record carries, or null for anything else. */
    static StepEvent changeEvent(DynamodbEvent.DynamodbStreamRecord record) {
        if (!"INSERT".equals(record.getEventName()) || record.getDynamodb() == null) {
            return null;
        }
        Map<String, AttributeValue> image = record.getDynamodb().getNewImage();
        Map<String, AttributeValue> keys = record.getDynamodb().getKeys();
        if (image == null || keys == null || text(image, Tables.ChangeEvents.EVENT_ID) == null) {
            return null;
        }
        String lane = text(keys, Tables.ChangeEvents.CONVERSATION_ID);
        AttributeValue seq = keys.get(Tables.ChangeEvents.SEQ);
        if (lane == null || seq == null || seq.getN() == null) {
            return null;
        }
        return new StepEvent(
                lane,
                Long.parseLong(seq.getN()),
                text(image, Tables.ChangeEvents.EVENT_ID),
                text(image, Tables.ChangeEvents.TYPE));
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.getS();
    }
}
