package io.omniservice.lambda;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a workflow execution carries from step to step (its input, which every step returns unchanged): the
 * change event's key in {@code change-events} ({@code lane} is its {@code conversationId} key, {@code seq}), its id
 * and type. The stream function writes it; the step functions read it.
 */
public record StepEvent(String lane, long seq, String eventId, String type) {
    public static final String LANE = "lane";
    public static final String SEQ = "seq";
    public static final String EVENT_ID = "eventId";
    public static final String TYPE = "type";

    /** The execution's input as Step Functions hands it over (the state's {@code $}). */
    public static StepEvent of(Map<String, Object> input) {
        if (input == null || !(input.get(LANE) instanceof String lane) || input.get(SEQ) == null) {
            throw new IllegalArgumentException("a step's input needs lane and seq, got " + input);
        }
        Object seq = input.get(SEQ);
        long number = seq instanceof Number n ? n.longValue() : Long.parseLong(seq.toString());
        return new StepEvent(lane, number, (String) input.get(EVENT_ID), (String) input.get(TYPE));
    }

    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(LANE, lane);
        map.put(SEQ, seq);
        map.put(EVENT_ID, eventId);
        map.put(TYPE, type);
        return map;
    }

    /**
     * The execution's name, its idempotency key: unique per stored event (a replayed dead letter is stored again
     * under a new seq, and runs again), and the same however often the stream delivers the record.
     */
    public String executionName() {
        return "e-" + eventId + "-" + seq;
    }
}
